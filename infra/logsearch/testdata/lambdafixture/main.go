// Command lambdafixture is a tiny main package the packaging tests build
// the way lambdaCode builds the real functions.
package main

import "fmt"

func main() { fmt.Println("bootstrap fixture") }
