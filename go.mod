module github.com/wudiag/wudiag

go 1.26.0

require (
	github.com/0xrawsec/golang-evtx v1.2.9
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.5
	golang.org/x/text v0.43.0
)

require github.com/0xrawsec/golang-utils v1.3.0 // indirect
