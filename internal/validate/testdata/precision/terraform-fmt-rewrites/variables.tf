# Terraform 0.11-era style that terraform fmt rewrites (positives)
variable "name" {
  type = "string"
}

variable "tags" {
  type    = "map"
  default = {}
}

locals {
  bucket = "${var.name}"
  label  = "${var.name}-logs"
}
