// Package router wires the HTTP routes.
package router

import (
	"database/sql"
	"net/http"

	"github.com/gin-gonic/gin"
)

// New returns the engine with every route.
func New(db *sql.DB) *gin.Engine {
	g := gin.New()
	g.GET("/health", func(c *gin.Context) {
		if err := db.Ping(); err != nil {
			c.JSON(http.StatusInternalServerError, gin.H{"database": "red"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"health": "green"})
	})
	return g
}
