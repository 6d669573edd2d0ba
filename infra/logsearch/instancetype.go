package logsearch

import (
	"regexp"
	"slices"
	"strings"
)

var instanceTypePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[0-9]*x?[a-z]+\.search$`)

// instanceFamily is the family of an instance type: "r6g" of r6g.large.search.
func instanceFamily(typ string) string {
	family, _, _ := strings.Cut(typ, ".")
	return family
}

// checkInstanceType refuses a type that is not an OpenSearch instance type
// of the built-in table (ebs.go), naming the nearest: a misspelt size of a
// known family (t3.smal.search, m6g.huge.search) is certainly wrong,
// since the table lists every size OpenSearch offers in each of its
// families. A type of a family the table does not list is let through:
// warnings() says its storage is not checked, since it may be a family
// newer than the table.
func checkInstanceType(ps *problems, key, typ string) bool {
	known := KnownInstanceTypes()
	if slices.Contains(known, typ) {
		return true
	}
	if !instanceTypePattern.MatchString(typ) {
		hint := didYouMean(typ, known)
		if hint == "" && slices.Contains(known, typ+".search") {
			hint = " Did you mean " + typ + ".search?"
		}
		ps.add(key, typ, "not an OpenSearch instance type; they look like r6g.large.search.%s", hint)
		return false
	}
	family := instanceFamily(typ)
	var sizes []string
	for _, k := range known {
		if instanceFamily(k) == family {
			sizes = append(sizes, k)
		}
	}
	if len(sizes) == 0 {
		return true
	}
	hint := didYouMean(typ, sizes)
	if hint == "" {
		hint = " OpenSearch offers " + strings.Join(sizes, ", ") + "."
	}
	ps.add(key, typ, "not an OpenSearch instance type: %s has no such size.%s", family, hint)
	return false
}

// newerInstanceFamily reports whether typ is shaped like an instance type
// of a family the built-in table does not list: let through, with its
// storage unchecked.
func newerInstanceFamily(typ string) bool {
	if !instanceTypePattern.MatchString(typ) {
		return false
	}
	family := instanceFamily(typ)
	for _, k := range KnownInstanceTypes() {
		if instanceFamily(k) == family {
			return false
		}
	}
	return true
}
