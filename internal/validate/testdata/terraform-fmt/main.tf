variable "name" {
  type = string
}

resource "aws_ssm_parameter" "name" {
  name = "/app/name"
  type = "String"
  value = var.name
}
