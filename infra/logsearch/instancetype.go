package logsearch

import (
	"regexp"
	"slices"
	"strconv"
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

// knownInstanceFamilies lists the families of the built-in table, for the
// warning on a type of another family.
func knownInstanceFamilies() []string {
	var families []string
	for _, t := range KnownInstanceTypes() {
		families = append(families, instanceFamily(t))
	}
	slices.Sort(families)
	return slices.Compact(families)
}

// OpenSearch optimized instances (OR1, OR2, OM2 on gp3; OI2 on local
// disks) come with rules of their own (developer guide, "OpenSearch
// Optimized Instances", Limitations,
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/or1.html):
// "Newly created domains must be running OpenSearch version 2.11 or
// higher", encryption at rest (always on here: domain.go), and "If your
// domain uses dedicated master nodes, they must use Graviton instances".
// Their 20 GiB smallest volume is in the EBS table (ebs.go).
var openSearchOptimizedFamilies = []string{"or1", "or2", "om2", "oi2"}

// optimizedMinEngine is the first engine version a new domain of
// OpenSearch optimized instances runs.
var optimizedMinEngine = [2]int{2, 11}

var familyPattern = regexp.MustCompile(`^([a-z]+)([0-9]+)([a-z-]*)$`)

// graviton reports whether a family runs on AWS Graviton: "g" among the
// letters after the generation number (m6g, r6gd, im4gn), by EC2's naming
// convention (Amazon EC2 Instance Types guide, 2024 edition, "Naming
// conventions": the processor options "a – AMD processors", "g – AWS
// Graviton processors", "i – Intel processors").
// ok is false where the name does not say (the OpenSearch optimized
// families name no processor).
func graviton(family string) (is, ok bool) {
	if slices.Contains(openSearchOptimizedFamilies, family) {
		return false, false
	}
	m := familyPattern.FindStringSubmatch(family)
	if m == nil {
		return false, false
	}
	return strings.Contains(m[3], "g"), true
}

// engineAtLeast reports whether an OpenSearch_<major>.<minor> version is
// want or later; false for a version of another shape (refused elsewhere).
func engineAtLeast(version string, want [2]int) bool {
	major, minor, ok := strings.Cut(strings.TrimPrefix(version, "OpenSearch_"), ".")
	if !ok {
		return false
	}
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	return err1 == nil && err2 == nil && (ma > want[0] || ma == want[0] && mi >= want[1])
}

// validateOptimizedInstances applies the OpenSearch optimized instances'
// own rules to a domain whose data nodes are of one of their families.
func (d *DomainConfig) validateOptimizedInstances(ps *problems) {
	if !slices.Contains(openSearchOptimizedFamilies, instanceFamily(d.InstanceType)) {
		return
	}
	if engineVersionPattern.MatchString(d.EngineVersion) && !engineAtLeast(d.EngineVersion, optimizedMinEngine) {
		ps.add("domain.engineVersion", d.EngineVersion, "%s is an OpenSearch optimized instance type, which a new domain runs only on OpenSearch %d.%d or later; set domain.engineVersion to OpenSearch_%d.%d or later (the default is %s)",
			d.InstanceType, optimizedMinEngine[0], optimizedMinEngine[1], optimizedMinEngine[0], optimizedMinEngine[1], DefaultEngineVersion)
	}
	if d.DedicatedMasterCount > 0 {
		if is, ok := graviton(instanceFamily(d.DedicatedMasterType)); ok && !is {
			ps.add("domain.dedicatedMasterType", d.DedicatedMasterType, "with OpenSearch optimized data nodes (%s) the dedicated master nodes must be Graviton instances; use e.g. %s", d.InstanceType, DefaultDedicatedMasterType)
		}
	}
}
