variable "example" {
  description = "Text written to the example file"
  type        = string
  default     = "hello"
}
