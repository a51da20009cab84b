# Our own small wrapper module
terraform {
  required_version = ">= 1.3"
}
