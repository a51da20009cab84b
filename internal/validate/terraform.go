package validate

import (
	"bytes"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// Terraform files: hclsyntax parses each *.tf file, hclwrite.Format is
// `terraform fmt`, and the security rules read literal attribute values
// only (an expression that refers to a variable, a local or a function is
// not judged, so it raises no finding). The rules themselves live in
// rule_terraform_*.go.

var (
	ruleTFParse = register(Rule{
		ID: "terraform-parse", Kind: KindTerraform, Severity: Error,
		Summary: "a Terraform file must parse as HCL",
		Help:    "fix the HCL syntax at the reported position: an unclosed brace or quote, a missing =",
	})
	ruleTFFmt = register(Rule{
		ID: "terraform-fmt", Kind: KindTerraform, Severity: Error,
		Summary: "a Terraform file is formatted as terraform fmt writes it",
		Help:    "run terraform fmt on the file (align the = signs, two-space indent)",
	})
)

func init() {
	registerChecker(KindTerraform, checkTerraform)
}

// tfCheck is one Terraform rule check over a parsed file body.
type tfCheck func(p string, body *hclsyntax.Body) []Finding

// tfChecks are the checks run on a file that parses; rule files add to it
// from init.
var tfChecks []tfCheck

// checkTerraform parses a .tf file, checks its formatting and runs the
// Terraform rules on it.
func checkTerraform(p string, content []byte) []Finding {
	if line, col, deep := tfTooDeep(content, tfMaxDepth); deep {
		return []Finding{ruleTFParse.at(p, line, col, "brackets and blocks nest deeper than %d levels: the file is not parsed", tfMaxDepth)}
	}
	f, diags := hclsyntax.ParseConfig(content, p, hcl.InitialPos)
	if diags.HasErrors() {
		var out []Finding
		seen := map[[2]int]bool{}
		for _, d := range diags {
			if d.Severity != hcl.DiagError {
				continue
			}
			line, col := 0, 0
			if d.Subject != nil {
				line, col = d.Subject.Start.Line, d.Subject.Start.Column
			}
			if seen[[2]int{line, col}] {
				continue // one finding per position
			}
			seen[[2]int{line, col}] = true
			out = append(out, ruleTFParse.at(p, line, col, "the HCL does not parse: %s: %s", d.Summary, d.Detail))
			if len(out) >= 10 {
				break
			}
		}
		return out
	}
	var out []Finding
	if formatted := hclwrite.Format(content); !bytes.Equal(formatted, content) {
		line := firstDiffLine(content, formatted)
		out = append(out, ruleTFFmt.at(p, line, 1, "the file is not formatted as terraform fmt writes it (first difference on line %d)", line))
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return out
	}
	out = append(out, tfFmtRewrites(p, content, body, nil)...)
	for _, c := range tfChecks {
		out = append(out, c(p, body)...)
	}
	return out
}

// tfMaxDepth bounds the nesting the HCL parser is given: it recurses once
// per level and a deep enough input would exhaust the stack.
const tfMaxDepth = 256

// tfTooDeep reports whether brackets, parentheses and braces nest deeper
// than max, and where. Brackets inside strings count too, which only makes
// the bound a little stricter.
func tfTooDeep(content []byte, max int) (line, col int, deep bool) {
	depth := 0
	for i, c := range content {
		switch c {
		case '(', '[', '{':
			depth++
			if depth > max {
				line, col = lineColAt(content, i)
				return line, col, true
			}
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return 0, 0, false
}

// firstDiffLine returns the 1-based line of the first byte where a and b
// differ.
func firstDiffLine(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	return bytes.Count(a[:i], []byte("\n")) + 1
}

// tfIsVersionsFile reports whether a path is a root's versions file.
func tfIsVersionsFile(p string) bool {
	b := path.Base(p)
	return b == "versions.tf" || b == "terraform.tf"
}

// tfBlocks returns the blocks of a type (and, if given, first label). A
// nested block written as `dynamic "typ" { content { ... } }` counts as
// one, with its content as the body, so rules that require a block accept
// one set through dynamic (its values are then expressions, which the
// rules do not judge). Top-level blocks (resource, provider, terraform)
// cannot be dynamic and are matched as written.
func tfBlocks(body *hclsyntax.Body, typ string, labels ...string) []*hclsyntax.Block {
	if body == nil {
		return nil
	}
	var out []*hclsyntax.Block
	for _, b := range body.Blocks {
		if b.Type == "dynamic" && len(labels) == 0 && len(b.Labels) == 1 && b.Labels[0] == typ {
			if c := tfDynamicContent(b); c != nil {
				out = append(out, c)
			}
			continue
		}
		if b.Type != typ {
			continue
		}
		if len(labels) > 0 {
			if len(b.Labels) == 0 || !slices.Contains(labels, b.Labels[0]) {
				continue
			}
		}
		out = append(out, b)
	}
	return out
}

// tfDynamicContent returns a dynamic block as the block it generates: its
// content body under the dynamic block's type label, at the dynamic
// block's position; nil when it has no content block.
func tfDynamicContent(d *hclsyntax.Block) *hclsyntax.Block {
	for _, c := range d.Body.Blocks {
		if c.Type == "content" {
			return &hclsyntax.Block{
				Type: d.Labels[0], Body: c.Body,
				TypeRange: d.TypeRange, LabelRanges: d.LabelRanges,
				OpenBraceRange: d.OpenBraceRange, CloseBraceRange: d.CloseBraceRange,
			}
		}
	}
	return nil
}

// tfResources returns the resource blocks of the given types.
func tfResources(body *hclsyntax.Body, types ...string) []*hclsyntax.Block {
	return tfBlocks(body, "resource", types...)
}

// tfName returns "type.name" of a resource block.
func tfName(b *hclsyntax.Block) string {
	switch len(b.Labels) {
	case 0:
		return b.Type
	case 1:
		return b.Labels[0]
	}
	return b.Labels[0] + "." + b.Labels[1]
}

// tfValue evaluates an attribute without variables or functions. ok is
// false when the attribute is missing, refers to anything or is not wholly
// known.
func tfValue(body *hclsyntax.Body, name string) (v cty.Value, attr *hclsyntax.Attribute, ok bool) {
	if body == nil {
		return cty.NilVal, nil, false
	}
	attr = body.Attributes[name]
	if attr == nil {
		return cty.NilVal, nil, false
	}
	v, diags := attr.Expr.Value(nil)
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() {
		return cty.NilVal, attr, false
	}
	return v, attr, true
}

// tfString returns a literal string attribute.
func tfString(body *hclsyntax.Body, name string) (string, *hclsyntax.Attribute, bool) {
	v, a, ok := tfValue(body, name)
	if !ok || v.Type() != cty.String {
		return "", a, false
	}
	return v.AsString(), a, true
}

// tfBool returns a literal bool attribute ("true"/"false" strings count).
func tfBool(body *hclsyntax.Body, name string) (val bool, attr *hclsyntax.Attribute, ok bool) {
	v, a, ok := tfValue(body, name)
	if !ok {
		return false, a, false
	}
	switch {
	case v.Type() == cty.Bool:
		return v.True(), a, true
	case v.Type() == cty.String && (v.AsString() == "true" || v.AsString() == "false"):
		return v.AsString() == "true", a, true
	}
	return false, a, false
}

// tfNumber returns a literal whole number attribute ("22" strings count).
func tfNumber(body *hclsyntax.Body, name string) (int64, bool) {
	v, _, ok := tfValue(body, name)
	if !ok {
		return 0, false
	}
	if v.Type() == cty.String {
		n, err := strconv.ParseInt(v.AsString(), 10, 64)
		return n, err == nil
	}
	if v.Type() != cty.Number {
		return 0, false
	}
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		return 0, false
	}
	n, _ := bf.Int64()
	return n, true
}

// tfStrings returns the literal strings of a list/set/tuple attribute or a
// single string attribute. ok is false when any element is not a literal
// string.
func tfStrings(body *hclsyntax.Body, name string) ([]string, bool) {
	v, _, ok := tfValue(body, name)
	if !ok {
		return nil, false
	}
	if v.Type() == cty.String {
		return []string{v.AsString()}, true
	}
	if !v.CanIterateElements() || v.Type().IsMapType() || v.Type().IsObjectType() {
		return nil, false
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

// tfPos returns the start of an attribute, or else of a block's header.
func tfPos(attr *hclsyntax.Attribute, b *hclsyntax.Block) (int, int) {
	if attr != nil {
		return attr.SrcRange.Start.Line, attr.SrcRange.Start.Column
	}
	if b != nil {
		return b.TypeRange.Start.Line, b.TypeRange.Start.Column
	}
	return 0, 0
}

// tfOldTypes are the quoted type names of Terraform 0.11 that terraform
// fmt rewrites to type expressions.
var tfOldTypes = map[string]string{"string": "string", "list": "list(string)", "map": "map(string)"}

// tfFmtRewrites finds what terraform fmt rewrites beyond layout (hclwrite
// does layout only): an attribute whose whole value is one interpolation,
// "${var.name}", becomes var.name, and a variable's quoted type "string"
// becomes string ("list" and "map" become list(string) and map(string)).
// Each is a terraform-fmt finding at the value, naming the rewrite.
func tfFmtRewrites(p string, content []byte, body *hclsyntax.Body, parents []string) []Finding {
	var out []Finding
	attrs := make([]*hclsyntax.Attribute, 0, len(body.Attributes))
	for _, a := range body.Attributes {
		attrs = append(attrs, a)
	}
	slices.SortFunc(attrs, func(a, b *hclsyntax.Attribute) int { return a.SrcRange.Start.Byte - b.SrcRange.Start.Byte })
	inVariable := len(parents) == 1 && parents[0] == "variable"
	for _, a := range attrs {
		r := a.Expr.Range()
		switch e := a.Expr.(type) {
		case *hclsyntax.TemplateWrapExpr:
			inner := e.Wrapped.Range()
			if r.Start.Line != r.End.Line || inner.End.Byte > len(content) || inner.Start.Byte < 0 {
				continue
			}
			src := strings.TrimSpace(string(content[inner.Start.Byte:inner.End.Byte]))
			out = append(out, ruleTFFmt.at(p, r.Start.Line, r.Start.Column,
				"terraform fmt rewrites %s = %q to %s = %s (an interpolation-only string is the expression itself)", a.Name, "${"+src+"}", a.Name, src))
		case *hclsyntax.TemplateExpr:
			if !inVariable || a.Name != "type" || len(e.Parts) != 1 {
				continue
			}
			lit, ok := e.Parts[0].(*hclsyntax.LiteralValueExpr)
			if !ok || !lit.Val.Type().Equals(cty.String) || lit.Val.IsNull() {
				continue
			}
			if to, old := tfOldTypes[lit.Val.AsString()]; old {
				out = append(out, ruleTFFmt.at(p, r.Start.Line, r.Start.Column,
					"terraform fmt rewrites type = %q to type = %s (quoted type names are from Terraform 0.11)", lit.Val.AsString(), to))
			}
		}
	}
	for _, b := range body.Blocks {
		out = append(out, tfFmtRewrites(p, content, b.Body, append(parents[:len(parents):len(parents)], b.Type))...)
	}
	return out
}
