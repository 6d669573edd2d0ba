package cwlogs

import (
	"fmt"
	"strings"

	"github.com/logsearch/logsearch/lambda/jsonscan"
)

// parse scans the inflated payload JSON in d.json, in place.
func (d *Decoder) parse() (*Payload, error) {
	s := jsonscan.New(d.json, true)
	// Unescaped messages are never longer than the JSON, so with this
	// capacity the buffer never moves while events point into it.
	if cap(d.messages) < len(d.json)+8 {
		d.messages = make([]byte, 0, len(d.json)+8)
	}
	d.messages = d.messages[:0]
	p := &d.payload
	*p = Payload{}
	d.events = d.events[:0]
	d.filters = d.filters[:0]
	d.ascending = true
	var haveEvents bool
	err := s.Members(func(key string) error {
		var err error
		switch key {
		case "messageType":
			p.MessageType, _, err = s.StrOrNull()
		case "owner":
			p.Owner, _, err = s.StrOrNull()
		case "logGroup":
			p.LogGroup, _, err = s.StrOrNull()
		case "logStream":
			p.LogStream, _, err = s.StrOrNull()
		case "subscriptionFilters":
			d.filters = d.filters[:0]
			err = s.Elements(func(int) error {
				f, err := s.Str()
				d.filters = append(d.filters, f)
				return err
			})
		case "logEvents":
			haveEvents = true
			d.events = d.events[:0]
			d.ascending = true
			err = s.Elements(d.event(&s))
		default:
			err = s.Skip(jsonscan.MaxDepth)
		}
		return err
	})
	if err == nil && !s.AtEnd() {
		err = s.Unexpected("the end of the payload")
	}
	if err != nil {
		return nil, decodeErr(StageJSON, err, "payload is not the JSON CloudWatch Logs sends")
	}
	p.SubscriptionFilters = d.filters
	p.LogEvents = d.events
	p.IDsAscend = d.ascending
	return p, checkFields(p, haveEvents)
}

// event returns the element callback that scans one log event.
func (d *Decoder) event(s *jsonscan.Scanner) func(i int) error {
	return func(i int) error {
		var ev LogEvent
		var haveID, haveTS, haveMsg bool
		err := s.Members(func(key string) error {
			var err error
			switch key {
			case "id":
				if c := s.Peek(); c == '-' || (c >= '0' && c <= '9') {
					ev.ID, err = s.NumberSpan()
				} else {
					ev.ID, haveID, err = s.StrOrNull()
					return err
				}
				haveID = true
			case "timestamp":
				ev.Timestamp, err = s.Int64()
				haveTS = true
			case "message":
				var t jsonscan.Text
				t, d.messages, err = s.Text(d.messages)
				ev.Message, ev.MessageJSON, ev.MessageSafe = t.Value, t.Raw, t.SafeButTabs
				if !t.RawValid {
					ev.MessageJSON = ""
				}
				haveMsg = true
			default:
				err = s.Skip(jsonscan.MaxDepth)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("logEvents[%d]: %w", i, err)
		}
		if !haveID || !haveTS || !haveMsg {
			return &missingError{index: i, id: haveID, ts: haveTS, msg: haveMsg}
		}
		if n := len(d.events); n > 0 && d.ascending {
			d.ascending = d.events[n-1].ID < ev.ID
		}
		d.events = append(d.events, ev)
		return nil
	}
}

type missingError struct {
	index       int
	id, ts, msg bool
}

func (e *missingError) Error() string {
	var missing string
	for _, f := range []struct {
		name string
		ok   bool
	}{{"id", e.id}, {"timestamp", e.ts}, {"message", e.msg}} {
		if !f.ok {
			if missing != "" {
				missing += ", "
			}
			missing += f.name
		}
	}
	return fmt.Sprintf("logEvents[%d] lacks %s", e.index, missing)
}

// checkFields reports the fields a payload of its message type must have.
func checkFields(p *Payload, haveEvents bool) error {
	var missing []string
	switch p.MessageType {
	case MessageTypeControl:
		return checkControl(p)
	case MessageTypeData:
		for _, f := range []struct {
			name string
			ok   bool
		}{{"owner", p.Owner != ""}, {"logGroup", p.LogGroup != ""}, {"logStream", p.LogStream != ""}, {"logEvents", haveEvents}} {
			if !f.ok {
				missing = append(missing, f.name)
			}
		}
		// The id becomes the document _id, which must not be empty.
		for i := range p.LogEvents {
			if p.LogEvents[i].ID == "" {
				missing = append(missing, fmt.Sprintf("logEvents[%d].id", i))
				break
			}
		}
	case "":
		missing = append(missing, "messageType")
	default:
		return &DecodeError{Stage: StageFields,
			Problem: fmt.Sprintf("unknown messageType %q, want %s or %s", quoted(p.MessageType), MessageTypeData, MessageTypeControl),
			Fix:     fixSender}
	}
	if len(missing) == 0 {
		return nil
	}
	return &DecodeError{Stage: StageFields,
		Problem: fmt.Sprintf("payload lacks required field(s) %v", missing),
		Fix:     fixSender}
}

// ControlMessagePrefix begins the one event of CloudWatch's control
// message: "CWL CONTROL MESSAGE: Checking health of destination …".
const ControlMessagePrefix = "CWL CONTROL MESSAGE"

// checkControl refuses a control message that carries anything but
// CloudWatch's health check: the function ignores control messages, so
// log events in one would be neither indexed nor kept. Refused, the
// payload is kept whole in the dead-letter queue.
func checkControl(p *Payload) error {
	for i := range p.LogEvents {
		if ev := &p.LogEvents[i]; !strings.HasPrefix(ev.Message, ControlMessagePrefix) {
			return &DecodeError{Stage: StageFields,
				Problem: fmt.Sprintf("a %s carries only CloudWatch's health check (%q…), but logEvents[%d] (id %q) is not CloudWatch's health check",
					MessageTypeControl, ControlMessagePrefix, i, quoted(ev.ID)),
				Fix: "send log events as " + MessageTypeData + "; the payload kept in the DLQ holds them, replay it once its messageType is " + MessageTypeData}
		}
	}
	return nil
}

// quoted bounds a value a payload gave, for an error that quotes it: the
// payload is kept whole in the dead-letter queue anyway.
func quoted(v string) string {
	const limit = 64
	if len(v) > limit {
		return v[:limit] + "…"
	}
	return v
}

// awslogsData returns the awslogs.data string of a Lambda invocation
// payload without modifying invocation.
func awslogsData(invocation []byte) ([]byte, error) {
	s := jsonscan.New(invocation, false)
	var data string
	var found bool
	err := s.Members(func(key string) error {
		if key != "awslogs" {
			return s.Skip(jsonscan.MaxDepth)
		}
		return s.Members(func(key string) error {
			if key != "data" {
				return s.Skip(jsonscan.MaxDepth)
			}
			var err error
			data, found, err = s.StrOrNull()
			return err
		})
	})
	if err == nil && !s.AtEnd() {
		err = s.Unexpected("the end of the invocation")
	}
	if err != nil {
		return nil, decodeErr(StageInvocation, err, `invocation is not {"awslogs":{"data":"..."}}`)
	}
	if !found {
		return nil, &DecodeError{Stage: StageInvocation,
			Problem: `invocation has no awslogs.data string`, Fix: fixSender}
	}
	return []byte(data), nil
}
