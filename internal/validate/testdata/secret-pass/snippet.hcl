resource "aws_db_instance" "db" {
  password = random_password.db.result
  username = "app"
}
