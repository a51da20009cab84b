// Package terraform runs terraform init and apply from tests.
package terraform

import (
	"os/exec"
	"testing"
)

// Options say where the Terraform code is.
type Options struct {
	TerraformDir string
}

// InitAndApply runs init and apply and fails the test on an error.
func InitAndApply(t testing.TB, o *Options) string {
	out, err := exec.Command("terraform", "-chdir="+o.TerraformDir, "apply", "-auto-approve").CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
