package validate

import (
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Root-level Terraform rules (versions, providers). The gate sees files one
// by one, so they run on the file holding the terraform {} block with
// required_providers, or on versions.tf / terraform.tf; a backend-only
// terraform block elsewhere is left alone.

var (
	ruleTFRequiredProviders = register(Rule{
		ID: "terraform-required-providers", Kind: KindTerraform, Severity: Error,
		Summary: "every provider in required_providers has a source and a version constraint",
		Help:    `write aws = { source = "hashicorp/aws", version = "~> X.Y" } with the version the repository already uses`,
	})
	ruleTFRequiredVersion = register(Rule{
		ID: "terraform-required-version", Kind: KindTerraform, Severity: Error,
		Summary: "the root's terraform block sets required_version",
		Help:    `add required_version = ">= X.Y" to the terraform block, matching the Terraform version the repository uses`,
	})
	ruleTFProviderCreds = register(Rule{
		ID: "terraform-provider-credentials", Kind: KindTerraform, Severity: Error,
		Summary: "no credentials are written into a provider block",
		Checkov: "CKV_AWS_41",
		Help:    "remove the literal; let the provider read credentials from the environment or an OIDC role",
	})
)

func init() {
	tfChecks = append(tfChecks, tfCheckRoot, tfCheckProviderCreds)
}

// tfCheckRoot checks required_version and required_providers.
func tfCheckRoot(p string, body *hclsyntax.Body) []Finding {
	var out []Finding
	blocks := tfBlocks(body, "terraform")
	if len(blocks) == 0 {
		if tfIsVersionsFile(p) {
			out = append(out,
				ruleTFRequiredVersion.at(p, 1, 1, "%s has no terraform block: add one with required_version", p),
				ruleTFRequiredProviders.at(p, 1, 1, "%s has no terraform block: add one with required_providers", p))
		}
		return out
	}
	for _, tb := range blocks {
		rps := tfBlocks(tb.Body, "required_providers")
		if len(rps) == 0 && !tfIsVersionsFile(p) {
			continue // e.g. a backend-only block: the versions live elsewhere
		}
		if _, ok := tb.Body.Attributes["required_version"]; !ok {
			out = append(out, ruleTFRequiredVersion.at(p, tb.TypeRange.Start.Line, tb.TypeRange.Start.Column,
				"the terraform block has no required_version"))
		}
		if len(rps) == 0 {
			out = append(out, ruleTFRequiredProviders.at(p, tb.TypeRange.Start.Line, tb.TypeRange.Start.Column,
				"the terraform block has no required_providers"))
		}
		for _, rp := range rps {
			for name, attr := range rp.Body.Attributes {
				if msg := tfProviderReqProblem(attr); msg != "" {
					out = append(out, ruleTFRequiredProviders.at(p, attr.SrcRange.Start.Line, attr.SrcRange.Start.Column,
						"provider %s %s", name, msg))
				}
			}
		}
	}
	return out
}

// tfProviderReqProblem says what a required_providers entry lacks, or "".
func tfProviderReqProblem(attr *hclsyntax.Attribute) string {
	v, diags := attr.Expr.Value(nil)
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() {
		return "" // not a literal: not judged
	}
	switch {
	case v.Type() == cty.String:
		if v.AsString() == "" {
			return "has an empty version constraint"
		}
		return "" // legacy form: the string is the version constraint
	case v.Type().IsObjectType() || v.Type().IsMapType():
		var ver cty.Value
		switch {
		case v.Type().IsObjectType() && v.Type().HasAttribute("version"):
			ver = v.GetAttr("version")
		case v.Type().IsMapType() && v.HasIndex(cty.StringVal("version")).True():
			ver = v.Index(cty.StringVal("version"))
		default:
			return "has no version constraint"
		}
		if ver.IsNull() || ver.Type() != cty.String || ver.AsString() == "" {
			return "has an empty version constraint"
		}
		return ""
	}
	return "is not an object with source and version"
}

// tfCredentialAttrs are provider arguments that hold credentials.
var tfCredentialAttrs = []string{
	"access_key", "secret_key", "token", "client_secret", "client_certificate_password",
	"credentials", "access_token", "password",
}

// tfCheckProviderCreds finds literal credentials in provider blocks.
func tfCheckProviderCreds(p string, body *hclsyntax.Body) []Finding {
	var out []Finding
	for _, b := range tfBlocks(body, "provider") {
		for _, name := range tfCredentialAttrs {
			if s, attr, ok := tfString(b.Body, name); ok && s != "" {
				line, col := tfPos(attr, b)
				out = append(out, ruleTFProviderCreds.at(p, line, col, "provider %s sets %s to a literal credential", tfName(b), name))
			}
		}
	}
	return out
}
