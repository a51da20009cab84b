// Command server is the notification server: a web UI and an API on one port.
package main

import (
	"database/sql"
	"log"
	"os"

	"github.com/example/notify/server/router"
	_ "github.com/mattn/go-sqlite3"
)

func main() {
	port := os.Getenv("NOTIFY_SERVER_PORT")
	if port == "" {
		port = "80"
	}
	dbPath := os.Getenv("NOTIFY_DATABASE_PATH")
	if dbPath == "" {
		dbPath = "data/notify.db"
	}
	db, err := sql.Open("sqlite3", dbPath)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(router.New(db).Run(":" + port))
}
