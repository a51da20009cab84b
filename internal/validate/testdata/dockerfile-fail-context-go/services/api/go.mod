module example.com/shop/api

go 1.15

require (
	example.com/shop/libs v0.0.0
	github.com/mattn/go-sqlite3 v1.14.22
	golang.org/x/text v0.14.0 // indirect
)

replace example.com/shop/libs => ../../libs
