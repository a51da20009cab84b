package validate

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// AWS Terraform rules: S3 public access and encryption, IMDSv2, encrypted
// storage, public databases. Literal values only.

var (
	ruleTFS3Public = register(Rule{
		ID: "terraform-s3-public", Kind: KindTerraform, Severity: Error,
		Summary: "S3 buckets block public access and use no public ACL",
		Checkov: "CKV_AWS_53, CKV_AWS_54, CKV_AWS_55, CKV_AWS_56, CKV_AWS_20",
		Help:    "set block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets to true; use acl = \"private\"",
	})
	ruleTFS3Encryption = register(Rule{
		ID: "terraform-s3-encryption", Kind: KindTerraform, Severity: Warning,
		Summary: "each aws_s3_bucket has an aws_s3_bucket_server_side_encryption_configuration in the same file",
		Checkov: "CKV_AWS_19",
		Help:    "add aws_s3_bucket_server_side_encryption_configuration with bucket = aws_s3_bucket.NAME.id (aws:kms or AES256)",
	})
	ruleTFIMDSv2 = register(Rule{
		ID: "terraform-imdsv2", Kind: KindTerraform, Severity: Error,
		Summary: "EC2 instances and launch templates require IMDSv2 tokens",
		Checkov: "CKV_AWS_79",
		Help:    `add metadata_options { http_tokens = "required" }`,
	})
	ruleTFEncryptedStorage = register(Rule{
		ID: "terraform-encrypted-storage", Kind: KindTerraform, Severity: Error,
		Summary: "RDS instances and clusters and EBS volumes are encrypted at rest",
		Checkov: "CKV_AWS_16, CKV_AWS_3",
		Help:    "set storage_encrypted = true (RDS) or encrypted = true (EBS)",
	})
	ruleTFDBPublic = register(Rule{
		ID: "terraform-db-public", Kind: KindTerraform, Severity: Error,
		Summary: "databases are not publicly accessible",
		Checkov: "CKV_AWS_17",
		Help:    "set publicly_accessible = false and reach the database from inside the VPC",
	})
)

func init() {
	tfChecks = append(tfChecks, tfCheckS3Public, tfCheckS3Encryption, tfCheckIMDSv2, tfCheckEncryptedStorage, tfCheckDBPublic)
}

// tfCheckS3Public checks public access blocks and ACLs.
func tfCheckS3Public(p string, body *hclsyntax.Body) []Finding {
	var out []Finding
	for _, b := range tfResources(body, "aws_s3_bucket_public_access_block") {
		var bad []string
		for _, name := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
			v, attr, ok := tfBool(b.Body, name)
			switch {
			case attr == nil:
				bad = append(bad, name+" (unset, defaults to false)")
			case ok && !v:
				bad = append(bad, name+" = false")
			}
		}
		if len(bad) > 0 {
			line, col := tfPos(nil, b)
			out = append(out, ruleTFS3Public.at(p, line, col, "%s does not block public access: %s", tfName(b), strings.Join(bad, ", ")))
		}
	}
	for _, b := range tfResources(body, "aws_s3_bucket", "aws_s3_bucket_acl") {
		if acl, attr, ok := tfString(b.Body, "acl"); ok && strings.HasPrefix(acl, "public-") {
			line, col := tfPos(attr, b)
			out = append(out, ruleTFS3Public.at(p, line, col, "%s grants the public ACL %q", tfName(b), acl))
		}
	}
	return out
}

// tfCheckS3Encryption checks that each bucket has an encryption
// configuration in the same file. A configuration whose bucket is not a
// plain reference to an aws_s3_bucket is taken to cover every bucket.
func tfCheckS3Encryption(p string, body *hclsyntax.Body) []Finding {
	covered := map[string]bool{}
	coversAll := false
	for _, b := range tfResources(body, "aws_s3_bucket_server_side_encryption_configuration") {
		attr := b.Body.Attributes["bucket"]
		if attr == nil {
			coversAll = true
			continue
		}
		refs := 0
		for _, t := range attr.Expr.Variables() {
			if t.RootName() == "aws_s3_bucket" && len(t) > 1 {
				if a, ok := t[1].(hcl.TraverseAttr); ok {
					covered[a.Name] = true
					refs++
				}
			}
		}
		if refs == 0 {
			coversAll = true
		}
	}
	if coversAll {
		return nil
	}
	var out []Finding
	for _, b := range tfResources(body, "aws_s3_bucket") {
		if len(b.Labels) < 2 || covered[b.Labels[1]] || len(tfBlocks(b.Body, "server_side_encryption_configuration")) > 0 {
			continue
		}
		line, col := tfPos(nil, b)
		out = append(out, ruleTFS3Encryption.at(p, line, col,
			"%s has no aws_s3_bucket_server_side_encryption_configuration in this file", tfName(b)))
	}
	return out
}

// tfCheckIMDSv2 checks metadata_options on instances and launch templates.
func tfCheckIMDSv2(p string, body *hclsyntax.Body) []Finding {
	var out []Finding
	for _, b := range tfResources(body, "aws_instance", "aws_launch_template") {
		mos := tfBlocks(b.Body, "metadata_options")
		if len(mos) == 0 {
			line, col := tfPos(nil, b)
			out = append(out, ruleTFIMDSv2.at(p, line, col, "%s has no metadata_options: IMDSv1 stays enabled", tfName(b)))
			continue
		}
		mo := mos[0].Body
		if ep, _, ok := tfString(mo, "http_endpoint"); ok && ep == "disabled" {
			continue
		}
		tokens, attr, ok := tfString(mo, "http_tokens")
		switch {
		case attr == nil:
			line, col := tfPos(nil, mos[0])
			out = append(out, ruleTFIMDSv2.at(p, line, col, "%s metadata_options does not set http_tokens = \"required\"", tfName(b)))
		case ok && tokens != "required":
			line, col := tfPos(attr, nil)
			out = append(out, ruleTFIMDSv2.at(p, line, col, "%s sets http_tokens = %q: IMDSv1 stays enabled", tfName(b), tokens))
		}
	}
	return out
}

// tfCheckEncryptedStorage checks encryption at rest of RDS and EBS.
func tfCheckEncryptedStorage(p string, body *hclsyntax.Body) []Finding {
	var out []Finding
	check := func(types []string, attrName string) {
		for _, b := range tfResources(body, types...) {
			if _, replica := b.Body.Attributes["replicate_source_db"]; replica {
				continue // a replica inherits the source's encryption
			}
			if engine, _, ok := tfString(b.Body, "engine"); ok && b.Labels[0] == "aws_db_instance" && strings.HasPrefix(engine, "aurora") {
				continue // an Aurora instance is encrypted by its cluster
			}
			v, attr, ok := tfBool(b.Body, attrName)
			switch {
			case attr == nil:
				line, col := tfPos(nil, b)
				out = append(out, ruleTFEncryptedStorage.at(p, line, col, "%s does not set %s = true", tfName(b), attrName))
			case ok && !v:
				line, col := tfPos(attr, b)
				out = append(out, ruleTFEncryptedStorage.at(p, line, col, "%s sets %s = false", tfName(b), attrName))
			}
		}
	}
	check([]string{"aws_db_instance", "aws_rds_cluster"}, "storage_encrypted")
	check([]string{"aws_ebs_volume"}, "encrypted")
	return out
}

// tfCheckDBPublic finds publicly accessible databases.
func tfCheckDBPublic(p string, body *hclsyntax.Body) []Finding {
	var out []Finding
	for _, b := range tfResources(body, "aws_db_instance", "aws_rds_cluster_instance") {
		if v, attr, ok := tfBool(b.Body, "publicly_accessible"); ok && v {
			line, col := tfPos(attr, b)
			out = append(out, ruleTFDBPublic.at(p, line, col, "%s is publicly accessible", tfName(b)))
		}
	}
	return out
}
