module github.com/example/shop/services/billing

go 1.22.3

require (
	github.com/example/shop/libs/money v0.0.0
	github.com/jackc/pgx/v5 v5.6.0
)

require (
	github.com/jackc/puddle/v2 v2.2.1 // indirect
	github.com/redis/go-redis/v9 v9.5.1 // indirect
)

replace github.com/example/shop/libs/money => ../../libs/money
