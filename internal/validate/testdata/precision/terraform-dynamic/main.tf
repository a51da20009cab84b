# Reproduces the launch template of terraform-aws-modules/terraform-aws-eks
# modules/eks-managed-node-group/main.tf: metadata_options through dynamic.
variable "metadata_options" {
  type = object({
    http_endpoint = string
    http_tokens   = string
  })
  default = {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }
}

resource "aws_launch_template" "dynamic" {
  name_prefix = "nodes-"

  dynamic "metadata_options" {
    for_each = [var.metadata_options]

    content {
      http_endpoint = metadata_options.value.http_endpoint
      http_tokens   = metadata_options.value.http_tokens
    }
  }
}

# A positive: no metadata_options at all.
resource "aws_launch_template" "bare" {
  name_prefix = "bare-"
}
