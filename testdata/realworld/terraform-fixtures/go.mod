module github.com/example/infratest

go 1.22

require (
	github.com/hashicorp/hcl/v2 v2.22.0
	github.com/stretchr/testify v1.9.0
)
