provider "aws" {
  region     = "eu-west-1"
  access_key = "not-a-real-access-key"
  secret_key = "not-a-real-secret-key"
}

resource "aws_s3_bucket" "assets" {
  bucket = "example-assets"
  acl    = "public-read"
}

resource "aws_s3_bucket_acl" "logs" {
  bucket = "example-logs"
  acl    = "public-read-write"
}

resource "aws_s3_bucket_public_access_block" "assets" {
  bucket              = aws_s3_bucket.assets.id
  block_public_acls   = false
  block_public_policy = true
}

resource "aws_security_group" "web" {
  name = "web"

  ingress {
    from_port        = 0
    to_port          = 65535
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"]
  }
}

resource "aws_security_group_rule" "rdp" {
  type              = "ingress"
  from_port         = 3389
  to_port           = 3389
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.web.id
}

resource "aws_vpc_security_group_ingress_rule" "all" {
  security_group_id = aws_security_group.web.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

resource "aws_instance" "web" {
  ami           = "ami-00000000"
  instance_type = "t3.micro"
}

resource "aws_launch_template" "web" {
  name_prefix = "web"

  metadata_options {
    http_tokens = "optional"
  }
}

resource "aws_db_instance" "app" {
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  publicly_accessible = true
}

resource "aws_rds_cluster" "aurora" {
  engine            = "aurora-postgresql"
  storage_encrypted = false
}

resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 10
}
