// Package modes holds the built-in mode files: one Markdown file per mode,
// with YAML front matter (slug, name, description, level, delegates_to,
// escalates_to, writes, model, tags) and the mode's role as the body.
// They are embedded in the binary; internal/mode parses and checks them.
package modes

import "embed"

// FS is the embedded set of mode files (*.md at the root of this
// directory). internal/mode.Default loads it as one complete set.
//
//go:embed *.md
var FS embed.FS
