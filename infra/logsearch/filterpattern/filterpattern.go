// Package filterpattern checks the structure of a CloudWatch Logs filter
// pattern before it is deployed: CloudWatch Logs only refuses a malformed
// pattern when the subscription filter is created, at the very end of
// `pulumi up`.
//
// The rules, from the CloudWatch Logs user guide:
//   - a term with characters other than letters, digits and _ is written
//     inside double quotes
//     (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-unstructured-log-events.html);
//   - a regular expression is written between two % signs, and its own
//     [ ] { } are regex operators, not pattern structure
//     (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html,
//     https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/regex-expressions.html);
//   - a JSON pattern is written in { }, with ( ) grouping its conditions
//     (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-json-log-events.html);
//   - a space-delimited pattern is written in [ ]
//     (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-space-delimited-log-events.html).
//
// Only what is certainly wrong is refused: a quote or % that is never
// closed, and brackets, braces or parentheses outside quotes and regexes
// that do not pair up. A backslash keeps the next character from closing
// a quoted term or a regex.
package filterpattern

import "fmt"

// closers maps each opening bracket to the one that closes it.
var closers = map[byte]byte{'{': '}', '[': ']', '(': ')'}

// Check returns nil for a pattern whose quotes, regexes and brackets are
// balanced, or an error naming the first character that breaks the
// balance, by its 1-based position, and how to fix it.
func Check(pattern string) error {
	type open struct {
		char byte
		pos  int
	}
	var stack []open
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch c {
		case '"', '%':
			end := closing(pattern, i+1, c)
			if end < 0 {
				what := "quoted term"
				if c == '%' {
					what = "regular expression"
				}
				return fmt.Errorf("the %s opened by %c at position %d is never closed; end it with a second %c (a %c inside it is written \\%c)", what, c, i+1, c, c, c)
			}
			i = end
		case '{', '[', '(':
			stack = append(stack, open{c, i + 1})
		case '}', ']', ')':
			if len(stack) == 0 {
				return fmt.Errorf("%c at position %d closes nothing; remove it, or quote it (\"%c\") to match it as text", c, i+1, c)
			}
			top := stack[len(stack)-1]
			if closers[top.char] != c {
				return fmt.Errorf("%c at position %d does not close %c at position %d; close that with %c first", c, i+1, top.char, top.pos, closers[top.char])
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return fmt.Errorf("%c at position %d is never closed; add %c", top.char, top.pos, closers[top.char])
	}
	return nil
}

// closing is the index of the quote (or %) that ends the term starting
// at from, skipping backslash-escaped characters; -1 when there is none.
func closing(pattern string, from int, quote byte) int {
	for i := from; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			i++
		case quote:
			return i
		}
	}
	return -1
}
