terraform {
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
  }
}

provider "google" {
  project = var.project
  region  = "us-central1"
}

resource "google_storage_bucket" "example" {
  name     = "${var.project}-terratest-example"
  location = "US"
}

variable "project" {
  type = string
}
