resource "aws_ssm_parameter" "name" {
  name  = "/app/name"
  value = "unterminated
}
