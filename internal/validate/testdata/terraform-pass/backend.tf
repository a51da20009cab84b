terraform {
  backend "s3" {
    bucket = "example-terraform-state"
    key    = "app/terraform.tfstate"
    region = "eu-west-1"
  }
}
