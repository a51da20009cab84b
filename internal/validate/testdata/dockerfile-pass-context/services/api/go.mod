module example.com/shop/api

go 1.25

require example.com/shop/libs v0.0.0

replace example.com/shop/libs => ../../libs
