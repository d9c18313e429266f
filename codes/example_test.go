package codes_test

import (
	"fmt"

	"github.com/wudiag/wudiag/codes"
)

func ExampleParse() {
	for _, s := range []string{"-2147023293", "HRESULT_FROM_WIN32(14098)", "Error: 112", "hr=800f081f"} {
		c, err := codes.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(s, "=>", c)
	}
	// Output:
	// -2147023293 => 0x80070643
	// HRESULT_FROM_WIN32(14098) => 0x80073712
	// Error: 112 => 0x80070070
	// hr=800f081f => 0x800f081f
}

func ExampleFind() {
	line := []byte(`2025-02-27 08:58:35, Error                 CSI    0000000c (F) HRESULT_FROM_WIN32(14098) #61875# from Windows::ServicingAPI[gle=0x80073712]`)
	for _, m := range codes.Find(nil, line) {
		fmt.Printf("%v %q\n", m.Code, line[m.Start:m.End])
	}
	// Output:
	// 0x80073712 "HRESULT_FROM_WIN32(14098)"
	// 0x80073712 "0x80073712"
}

func ExampleLookup() {
	in, ok := codes.Lookup(0x800f081f)
	fmt.Println(ok, in.Name, in.Kind)
	fmt.Println(in.Meaning)
	// Output:
	// true CBS_E_SOURCE_MISSING cbs
	// A needed payload or manifest is missing from the store and no repair source was found
}
