module github.com/wudiag/wudiag

go 1.26.0
