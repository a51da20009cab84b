# Calls the inner module with safer defaults
module "inner" {
  source = "../inner"
  name   = var.name
}

variable "name" {
  type        = string
  description = "the name"
}
