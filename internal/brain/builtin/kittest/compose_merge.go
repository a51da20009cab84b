package kittest

import (
	"strings"
	"testing"
)

// DevCompose is shaped like a real project's development file: comments,
// four-space indentation, a literal development password, a ${HOME} mount,
// a PostGIS database and the app built from the root, and a tools service
// on the port the app would take.
const DevCompose = `# Development stack. Run: docker compose up
name: shop

services:
    db:
        image: postgis/postgis:16-3.4   # PostGIS for the geo queries
        environment:
            POSTGRES_PASSWORD: postgres # development only
        ports:
            - "5432:5432"
    web:
        build: .
        ports:
            - "${WEB_PORT:-8000}:8000"
        volumes:
            - ${HOME}/.ssh:/home/app/.ssh:ro
        depends_on:
            - db
    mail:
        image: axllent/mailpit:v1.21
        ports:
            - "8025:8025"
            - "1025:1025"

# named volumes
volumes:
    pgdata: {}
`

// AddedLines checks that merged contains every line of old, in order, and
// returns the lines that were added.
func AddedLines(t *testing.T, old, merged string) []string {
	t.Helper()
	o, m := strings.Split(old, "\n"), strings.Split(merged, "\n")
	var added []string
	i := 0
	for _, l := range m {
		if i < len(o) && l == o[i] {
			i++
			continue
		}
		added = append(added, l)
	}
	if i != len(o) {
		t.Fatalf("line %d of the existing file (%q) is not in the merged file:\n%s", i+1, o[i], merged)
	}
	return added
}
