terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
    random = "~> 3.6"
    google = {
      source  = "hashicorp/google"
      version = ""
    }
  }
}
