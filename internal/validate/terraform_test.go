package validate

import (
	"fmt"
	"strings"
	"testing"
)

func TestPortSpecHits(t *testing.T) {
	for spec, want := range map[string]string{
		"22": "22", "3389": "3389", "*": "22 and 3389", "20-30": "22", "0-65535": "22 and 3389",
		"443": "", "3000-4000": "3389", "x": "", "": "", "30-20": "",
	} {
		if got := joinPorts(portSpecHits(spec)); got != want {
			t.Errorf("portSpecHits(%q) = %q, want %q", spec, got, want)
		}
	}
}

func TestFirstDiffLine(t *testing.T) {
	if got := firstDiffLine([]byte("a\nb\nc\n"), []byte("a\nb\nd\n")); got != 3 {
		t.Errorf("firstDiffLine = %d, want 3", got)
	}
	if got := firstDiffLine([]byte("a\n"), []byte("a\n\n")); got != 2 {
		t.Errorf("firstDiffLine at the end = %d, want 2", got)
	}
}

// TestTerraformNonLiteral checks that expressions referring to variables,
// locals or functions raise no finding.
func TestTerraformNonLiteral(t *testing.T) {
	src := `resource "aws_db_instance" "a" {
  storage_encrypted   = var.encrypted
  publicly_accessible = local.public
}

resource "aws_security_group_rule" "b" {
  type        = "ingress"
  from_port   = var.port
  to_port     = var.port
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
}

resource "aws_s3_bucket_public_access_block" "c" {
  bucket                  = "x"
  block_public_acls       = var.on
  block_public_policy     = var.on
  ignore_public_acls      = var.on
  restrict_public_buckets = var.on
}

provider "aws" {
  access_key = var.access_key
  secret_key = file("secret.txt")
}
`
	if got := checkTerraform("main.tf", []byte(src)); len(got) != 0 {
		t.Errorf("got %v, want no findings", got)
	}
}

func TestTerraformLiteralTrue(t *testing.T) {
	src := "resource \"aws_db_instance\" \"a\" {\n  storage_encrypted   = \"true\"\n  publicly_accessible = \"true\"\n}\n"
	got := checkTerraform("main.tf", []byte(src))
	if len(got) != 1 || got[0].Rule != "terraform-db-public" || got[0].Line != 3 {
		t.Errorf("got %v, want one terraform-db-public finding on line 3", got)
	}
}

func TestTerraformTooDeep(t *testing.T) {
	src := "a = " + strings.Repeat("[", tfMaxDepth+1)
	got := checkTerraform("main.tf", []byte(src))
	if len(got) != 1 || got[0].Rule != "terraform-parse" || got[0].Col != 5+tfMaxDepth {
		t.Errorf("got %v, want one terraform-parse finding at column %d", got, 5+tfMaxDepth)
	}
}

func FuzzTerraform(f *testing.F) {
	for _, b := range seedFiles(f, "terraform-", KindTerraform) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fd := range checkTerraform("main.tf", b) {
			if fd.Rule == "" || fd.Line < 0 || fd.Col < 0 {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
	})
}

// TestTerraformDynamicBlockSatisfiesRule reproduces the launch template
// of terraform-aws-modules/terraform-aws-eks (modules/eks-managed-node-group
// /main.tf): metadata_options set through a dynamic block.
func TestTerraformDynamicBlockSatisfiesRule(t *testing.T) {
	src := `resource "aws_launch_template" "this" {
  name = "x"

  dynamic "metadata_options" {
    for_each = [var.metadata_options]

    content {
      http_endpoint = metadata_options.value.http_endpoint
      http_tokens   = metadata_options.value.http_tokens
    }
  }
}
`
	if fs := checkTerraform("main.tf", []byte(src)); len(fs) != 0 {
		t.Errorf("dynamic metadata_options: want no finding, got %v", fs)
	}
	literal := strings.Replace(src, "metadata_options.value.http_tokens", `"optional"`, 1)
	if fs := checkTerraform("main.tf", []byte(literal)); len(fs) != 1 || fs[0].Rule != ruleTFIMDSv2.ID {
		t.Errorf("a literal optional in dynamic content is still judged: %v", fs)
	}
	none := "resource \"aws_launch_template\" \"this\" {\n  name = \"x\"\n}\n"
	if fs := checkTerraform("main.tf", []byte(none)); len(fs) != 1 || fs[0].Rule != ruleTFIMDSv2.ID {
		t.Errorf("no metadata_options at all is still reported: %v", fs)
	}
}

// TestTerraformFmtRewrites: the rewrites terraform fmt does beyond layout.
func TestTerraformFmtRewrites(t *testing.T) {
	src := `variable "name" {
  type = "string"
}

variable "tags" {
  type = "map"
}

resource "aws_s3_bucket" "b" {
  bucket = "${var.name}"
  tags = {
    Name = "${var.name}-x"
  }
  acl = "private"
}
`
	fs := checkTerraform("main.tf", []byte(src))
	var got []string
	for _, f := range fs {
		if f.Rule == ruleTFFmt.ID {
			got = append(got, fmt.Sprintf("%d:%d %s", f.Line, f.Col, f.Message))
		}
	}
	want := []string{
		`2:10 terraform fmt rewrites type = "string" to type = string (quoted type names are from Terraform 0.11)`,
		`6:10 terraform fmt rewrites type = "map" to type = map(string) (quoted type names are from Terraform 0.11)`,
		`10:12 terraform fmt rewrites bucket = "${var.name}" to bucket = var.name (an interpolation-only string is the expression itself)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
