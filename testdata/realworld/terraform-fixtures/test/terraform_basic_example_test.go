package test

import (
	"testing"

	"github.com/example/infratest/modules/terraform"
)

func TestTerraformBasicExample(t *testing.T) {
	t.Parallel()
	terraform.InitAndApply(t, &terraform.Options{TerraformDir: "../examples/terraform-basic-example"})
}
