package kit

import (
	"fmt"
	"regexp"
)

// tfVersion is one row of the Terraform version table: a constraint and
// where it was taken from. The built-in brain writes no version that is
// not in this table.
type tfVersion struct {
	Source     string // registry source ("hashicorp/aws"); "" for Terraform itself
	Constraint string
	From       string // where the constraint comes from
}

// TFVersions is the table of Terraform and provider constraints the
// infrastructure specialist writes. Update a row together with its From.
var TFVersions = map[string]tfVersion{
	"terraform": {Constraint: ">= 1.6",
		From: "Terraform 1.6 is the oldest release the generated code is written for (the >= 1.6 floor is common in public AWS roots of 2025-2026, e.g. the versions.tf files found by the project's code search)"},
	"aws": {Source: "hashicorp/aws", Constraint: "~> 6.0",
		From: "AWS provider major version 6 (released 2025); public roots pin it as ~> 6.0 or 6.x, e.g. aditya6543/Terraform-aws-examples terraform.tf (~> 6.0) and tseth4/flashmind-api-ecs terraform.tf (6.3.0); the optional OIDC thumbprint_list needs >= 5.81"},
	"google": {Source: "hashicorp/google", Constraint: "~> 6.19",
		From: "public roots pin hashicorp/google ~> 6.19.0 and >= 6.20.0 (e.g. TheBrist/learning providers.tf); default_labels needs >= 5.0"},
	"azurerm": {Source: "hashicorp/azurerm", Constraint: "~> 4.18",
		From: "public roots pin hashicorp/azurerm ~> 4.18.0 (e.g. TheBrist/learning providers.tf); azurerm_storage_container.storage_account_id needs a 4.x release"},
}

var rePostgresMajor = regexp.MustCompile(`^postgres:(\d+)(-|$)`)

// PostgresMajor is the PostgreSQL major version the cloud databases
// default to: the one images.yaml pins for local Compose, so development
// and the cloud run the same major.
func PostgresMajor() (string, error) {
	tbl, err := LoadImages()
	if err != nil {
		return "", err
	}
	img := tbl.Services["postgres"].Image
	m := rePostgresMajor.FindStringSubmatch(img)
	if m == nil {
		return "", fmt.Errorf("images.yaml has postgres image %q: give it a postgres:<major>-<variant> tag so the cloud database can use the same major", img)
	}
	return m[1], nil
}

// ClusterComputes are the computes that are Kubernetes clusters: the
// service's manifests come from the kubernetes specialist and the deploy
// workflow applies them.
var ClusterComputes = map[string]bool{"eks": true, "gke": true, "aks": true}
