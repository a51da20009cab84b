package images

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// TagFamily is what images.yaml knows of one image's tags: how many dotted
// parts of a version its tags use, where the list comes from, and per
// variant suffix (bookworm, slim-bookworm, alpine3.20) the versions that
// were published with it.
type TagFamily struct {
	Parts    int                `yaml:"parts"`
	Source   string             `yaml:"source"`
	Variants map[string]Variant `yaml:"variants"`
}

// Variant is one variant suffix's published versions: single versions
// ("16") and ranges ("1.19..1.27", every minor or major between). Current
// is set while the variant is still published, so a version newer than the
// last one listed may exist.
type Variant struct {
	Versions []string `yaml:"versions"`
	Current  bool     `yaml:"current"`
	Source   string   `yaml:"source"`
}

// check refuses a family without parts or source, or a variant whose
// versions do not parse, are not ascending, or have no source.
func (f TagFamily) check(name string) error {
	if f.Parts < 1 || f.Source == "" || len(f.Variants) == 0 {
		return fmt.Errorf("images.yaml: tags of %s need parts, source and variants", name)
	}
	for _, s := range SortedKeys(f.Variants) {
		v := f.Variants[s]
		if v.Source == "" || len(v.Versions) == 0 {
			return fmt.Errorf("images.yaml: tags of %s, variant %s: give its versions and their source", name, s)
		}
		var prev []int
		for _, r := range v.Versions {
			lo, hi, err := parseRange(r, f.Parts)
			if err != nil {
				return fmt.Errorf("images.yaml: tags of %s, variant %s: %w", name, s, err)
			}
			if (prev != nil && compareVersions(lo, prev) <= 0) || compareVersions(hi, lo) < 0 {
				return fmt.Errorf("images.yaml: tags of %s, variant %s: %q is out of order; list versions ascending", name, s, r)
			}
			prev = hi
		}
	}
	return nil
}

// parseRange reads "1.19" or "1.19..1.27" with exactly parts dotted
// numbers each, and for a range the same leading parts on both ends.
func parseRange(r string, parts int) (lo, hi []int, err error) {
	a, b, isRange := strings.Cut(r, "..")
	if lo, err = parseVersion(a, parts); err != nil {
		return nil, nil, err
	}
	if !isRange {
		return lo, lo, nil
	}
	if hi, err = parseVersion(b, parts); err != nil {
		return nil, nil, err
	}
	if !slices.Equal(lo[:parts-1], hi[:parts-1]) {
		return nil, nil, fmt.Errorf("range %q spans two major versions; split it", r)
	}
	return lo, hi, nil
}

// parseVersion reads a version of exactly parts dotted numbers.
func parseVersion(s string, parts int) ([]int, error) {
	fs := strings.Split(s, ".")
	if len(fs) != parts {
		return nil, fmt.Errorf("version %q must have %d dotted part(s)", s, parts)
	}
	out := make([]int, parts)
	for i, f := range fs {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("version %q is not dotted numbers", s)
		}
		out[i] = n
	}
	return out, nil
}

func compareVersions(a, b []int) int { return slices.Compare(a, b) }

// tagRe splits a tag into its version and its variant suffix.
var tagRe = regexp.MustCompile(`^(\d+(?:\.\d+)*)-([a-z][a-z0-9.-]*)$`)

// Missing is the verdict on a tag the table knows does not exist.
type Missing struct {
	// Image, Version and Variant are the normalised image name, the
	// version cut to the family's parts and the variant suffix.
	Image, Version, Variant string
	// Published is the variant's versions, as images.yaml lists them.
	Published []string
	// Current is set when the variant is still published.
	Current bool
	// Elsewhere are other variants of the image published for Version.
	Elsewhere []string
	// Source says where the list comes from.
	Source string
}

// Error says what is missing and what exists instead.
func (m *Missing) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s has no %s-%s tag: %s images exist for %s", m.Image, m.Version, m.Variant,
		m.Variant, strings.Join(m.Published, ", "))
	if m.Current {
		b.WriteString(" and newer releases")
	} else {
		b.WriteString(" only")
	}
	if len(m.Elsewhere) > 0 {
		fmt.Fprintf(&b, "; %s %s is published as %s", m.Image, m.Version, strings.Join(m.Elsewhere, ", "))
	}
	return b.String()
}

// NormalizeImage strips the Docker Hub registry and library/ prefixes and
// lower-cases a repository name: docker.io/library/golang is golang.
func NormalizeImage(repo string) string {
	r := strings.ToLower(repo)
	for _, p := range []string{"docker.io/", "index.docker.io/", "registry-1.docker.io/"} {
		r = strings.TrimPrefix(r, p)
	}
	return strings.TrimPrefix(r, "library/")
}

// MissingTag reports whether the table knows that image:tag was never
// published: the image has a tag family, the tag is <version>-<variant>
// with a listed variant, and the version is not among the variant's
// versions (a version newer than the last listed of a current variant is
// not refused). It returns nil whenever the table cannot tell.
func (t *Table) MissingTag(image, tag string) *Missing {
	name := NormalizeImage(image)
	fam, ok := t.Tags[name]
	if !ok {
		return nil
	}
	m := tagRe.FindStringSubmatch(tag)
	if m == nil {
		return nil
	}
	vs := strings.Split(m[1], ".")
	if len(vs) < fam.Parts {
		return nil // golang:1-bookworm: a floating major, not checked
	}
	ver, err := parseVersion(strings.Join(vs[:fam.Parts], "."), fam.Parts)
	if err != nil {
		return nil
	}
	variant, ok := fam.Variants[m[2]]
	if !ok {
		return nil
	}
	if published, newer := variant.has(ver, fam.Parts); published || (newer && variant.Current) {
		return nil
	}
	version := strings.Join(vs[:fam.Parts], ".")
	out := &Missing{Image: name, Version: version, Variant: m[2], Published: variant.Versions,
		Current: variant.Current, Source: fam.Source + "; " + variant.Source}
	for _, s := range SortedKeys(fam.Variants) {
		if ok, _ := fam.Variants[s].has(ver, fam.Parts); ok {
			out.Elsewhere = append(out.Elsewhere, version+"-"+s)
		}
	}
	return out
}

// has reports whether the variant lists ver, and whether ver is newer
// than every version it lists.
func (v Variant) has(ver []int, parts int) (listed, newer bool) {
	newer = true
	for _, r := range v.Versions {
		lo, hi, err := parseRange(r, parts)
		if err != nil {
			continue // Parse refused such a table already
		}
		if compareVersions(ver, hi) <= 0 {
			newer = false
		}
		if compareVersions(ver, lo) >= 0 && compareVersions(ver, hi) <= 0 {
			return true, false
		}
	}
	return false, newer
}
