module github.com/example/notify/server

go 1.22

require (
	github.com/gin-gonic/gin v1.10.0
	github.com/mattn/go-sqlite3 v1.14.22
)

require (
	github.com/go-sql-driver/mysql v1.8.1 // indirect
	go.mongodb.org/mongo-driver v1.15.0 // indirect
)
