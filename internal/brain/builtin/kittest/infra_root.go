package kittest

// Terraform roots of each provider, as a repository might already have.
const (
	TFAWS    = "provider \"aws\" {\n  region = var.region\n}\n\nvariable \"region\" {\n  type = string\n}\n"
	TFGoogle = "terraform {\n  required_providers {\n    google = {\n      source  = \"hashicorp/google\"\n      version = \"~> 6.0\"\n    }\n  }\n}\n"
	TFAzure  = "provider \"azurerm\" {\n  features {}\n}\n"
	// TfAWSResources uses the aws provider without a provider block.
	TfAWSResources = "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n"
	TFModuleOnly   = "module \"vpc\" {\n  source = \"./modules/vpc\"\n}\n"
)
