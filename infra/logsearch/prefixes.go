package logsearch

import (
	"fmt"
	"sort"
	"strings"
)

// isName: the entry names one log group (else it names a prefix).
func (g LogGroupConfig) isName() bool { return g.Prefix == "" && g.Name != "" }

// prefixEntries are the logGroups entries that name a prefix.
func (c *Config) prefixEntries() []LogGroupConfig {
	var out []LogGroupConfig
	for _, g := range c.LogGroups {
		if g.Prefix != "" && g.Name == "" {
			out = append(out, g)
		}
	}
	return out
}

// validatePrefixes checks the prefix entries of logGroups and how they
// meet the name entries: every group is subscribed by exactly one entry,
// so its filter pattern is never in doubt.
func (c *Config) validatePrefixes(ps *problems) {
	own := c.ownLogGroupPrefixes()
	for i, g := range c.LogGroups {
		entry := fmt.Sprintf("logGroups[%d]", i)
		switch {
		case g.Name != "" && g.Prefix != "":
			ps.add(entry, "", "sets both name (%s) and prefix (%s); an entry subscribes one group (name) or every group under a prefix (prefix): keep one, or make two entries", g.Name, g.Prefix)
			continue
		case g.Name == "" && g.Prefix == "":
			ps.add(entry, "", `sets neither name nor prefix; write {"name": "/app/web"} for one log group or {"prefix": "/app/"} for every group under /app/`)
			continue
		case g.isName():
			if g.KeepLastSlotFree {
				ps.add(entry+".keepLastSlotFree", true, "applies to prefix entries only; for a named group, logsearch takes one slot at deploy and the deploy fails if both are taken: remove it")
			}
			continue
		}
		key := entry + ".prefix"
		if !logGroupNamePattern.MatchString(g.Prefix) {
			ps.add(key, g.Prefix, "not a log group name prefix (1-512 of letters, digits and . - _ / #)")
		}
		if hasAnyPrefix(g.Prefix, own) {
			ps.add(key, g.Prefix, "lies inside this stack's own log groups (%s), which are never subscribed: that would feed the function its own output in a loop; remove it", strings.Join(own, ", "))
		}
		for j, other := range c.LogGroups[:i] {
			switch {
			case other.Prefix == "" || other.Name != "":
			case other.Prefix == g.Prefix:
				ps.add(key, g.Prefix, "already listed as logGroups[%d].prefix; list each prefix once", j)
			case strings.HasPrefix(g.Prefix, other.Prefix) || strings.HasPrefix(other.Prefix, g.Prefix):
				outer, inner := other.Prefix, g.Prefix
				if len(outer) > len(inner) {
					outer, inner = inner, outer
				}
				ps.add(key, g.Prefix, "overlaps logGroups[%d].prefix %q: every group under %s matches both, and a group takes one filter pattern from logsearch; keep only %s (narrow it with its filterPattern), or make the prefixes disjoint", j, other.Prefix, inner, outer)
			}
		}
	}
	for i, g := range c.LogGroups {
		if !g.isName() {
			continue
		}
		for j, p := range c.LogGroups {
			if p.Prefix != "" && p.Name == "" && strings.HasPrefix(g.Name, p.Prefix) {
				ps.add(fmt.Sprintf("logGroups[%d].name", i), g.Name, "is under logGroups[%d].prefix %q, which already subscribes it; remove this entry (a group needs one logsearch filter), or narrow the prefix so it no longer covers the group", j, p.Prefix)
			}
		}
	}
}

// subscriberExcludes are the group name prefixes the subscriber never
// subscribes: the stack's own log groups.
func (c *Config) subscriberExcludes() []string {
	own := c.ownLogGroupPrefixes()
	sort.Strings(own)
	return own
}
