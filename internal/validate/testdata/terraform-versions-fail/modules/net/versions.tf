locals {
  name = "net"
}
