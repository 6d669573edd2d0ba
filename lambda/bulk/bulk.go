// Package bulk indexes prepared documents through OpenSearch's _bulk API and
// accounts for every one of them: each ends indexed, failed for good (with
// the reason, for the dead-letter queue) or unresolved (still retryable
// when the time or the attempts ran out, so the caller must fail the
// invocation and let Lambda retry it).
//
// Requests are split at a byte limit, every item's status is read, and only
// the items that failed with a retryable status (429, 5xx, a connection
// error or a timeout) are sent again, with exponential backoff and full
// jitter, within the context's deadline minus a reserve kept for the
// caller's own clean-up.
package bulk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/logsearch/logsearch/lambda/backoff"
	"github.com/logsearch/logsearch/lambda/redact"
)

// Item is one bulk action: its "index" action line and document line, each
// ending in "\n", for the document whose _id is ID.
type Item struct {
	ID   string
	Body []byte
	// Ref is the caller's handle for the item (an event's position),
	// returned in Result.
	Ref int
	// Rebuild, if set, is asked for a new body for the item Ref when the
	// domain refuses it for good (see Rebuilder); ok false keeps the
	// refusal. Items share one function, so setting it costs nothing.
	Rebuild func(ref, status int, reason string) (body []byte, ok bool)
}

// Failure is an item that was not indexed and why.
type Failure struct {
	Ref int
	// Status is the HTTP status of the item, or of the whole request when
	// the request as a whole failed; 0 for a connection error or timeout.
	Status int
	Reason string
}

// Result accounts for every item passed to Index: each Ref is in exactly
// one of Indexed, Failed and Unresolved.
type Result struct {
	Indexed []int
	// Failed items will never succeed as sent (e.g. a mapping error or an
	// item over the size limit): keep them in the dead-letter queue.
	Failed []Failure
	// Unresolved items failed with a retryable status and could not be
	// retried any more in this invocation.
	Unresolved []Failure
	// Retried counts item sends after the first.
	Retried int
	// Rebuilt counts item sends after a refusal the source rebuilt the
	// item for (Rebuilder).
	Rebuilt int
}

// RequestStats describes one _bulk round trip, for metrics and logs.
type RequestStats struct {
	Items   int
	Bytes   int // uncompressed body size
	Latency time.Duration
	Status  int   // 0 when Err is set
	Err     error // connection error or timeout
}

// Poster sends one _bulk request body and returns the HTTP status and
// response body, or an error when no response arrived.
type Poster interface {
	PostBulk(ctx context.Context, body []byte) (status int, response []byte, err error)
}

// BufferPoster is a Poster that reads the response into a buffer its
// caller reuses: the Indexer keeps one from request to request instead of
// leaving each answer (about 300 kB for 5,000 items) as garbage in fresh
// memory.
type BufferPoster interface {
	Poster
	// PostBulkInto is PostBulk with the response read into buf when it
	// has room. The caller reads the response only until it passes the
	// buffer again.
	PostBulkInto(ctx context.Context, body, buf []byte) (status int, response []byte, err error)
}

// Config tunes an Indexer. Zero fields take the defaults.
type Config struct {
	// MaxBytes caps one request body. An item bigger than this alone is a
	// permanent failure.
	MaxBytes int
	// Backoff spaces the retry rounds.
	Backoff backoff.Backoff
	// MaxAttempts bounds how many times an item is sent (default 8): past
	// that, a struggling domain is better served by Lambda's own retry a
	// minute later than by more requests now.
	MaxAttempts int
	// Reserve is the time before the context's deadline that Index leaves
	// untouched, for the caller to write the dead-letter queue (default 5 s).
	Reserve time.Duration
	// RequestTimeout bounds one round trip (default 30 s), so a hung
	// connection costs one retry, not the invocation.
	RequestTimeout time.Duration
	// OnRequest, if set, is called after every round trip.
	OnRequest func(RequestStats)
	// Sleep waits d or until ctx ends; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// Defaults.
const (
	DefaultMaxAttempts    = 8
	DefaultReserve        = 5 * time.Second
	DefaultRequestTimeout = 30 * time.Second
)

// Indexer sends items. It reuses its buffers, so it is not safe for
// concurrent use.
type Indexer struct {
	cfg  Config
	post Poster
	body []byte
	// The _ids of the request being sent, and its parsed answer.
	ids      requestIDs
	statuses []itemStatus
	// resp is the last answer's buffer, for a BufferPoster's next one.
	resp []byte
}

// bodySlack is room in the body buffer past MaxBytes for the item that
// does not fit and is cut off again (a CloudWatch Logs event is at most
// 256 KB; rarer, bigger items grow the buffer once).
const bodySlack = 512 << 10

// New returns an Indexer posting through p.
func New(p Poster, cfg Config) (*Indexer, error) {
	if cfg.MaxBytes <= 0 {
		return nil, fmt.Errorf("bulk: MaxBytes is %d: set a positive request size limit", cfg.MaxBytes)
	}
	if cfg.Backoff.Base <= 0 || cfg.Backoff.Max <= 0 {
		cfg.Backoff = backoff.Default
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Reserve <= 0 {
		cfg.Reserve = DefaultReserve
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Sleep == nil {
		cfg.Sleep = backoff.Sleep
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Indexer{cfg: cfg, post: p}, nil
}

// Source yields the items of one IndexSource call on demand, so that only
// one request body exists at a time, built in one reused buffer of about
// MaxBytes: memory stays flat however large the payload.
type Source interface {
	// Len is the number of items, numbered 0 to Len()-1 (their Ref in
	// the Result).
	Len() int
	// AppendItem appends item i's action and document lines, each ending
	// in "\n", to dst and returns the result and the item's _id. An item
	// sent again is appended again and must come out the same. An item
	// that can never be indexed appends nothing and returns why in
	// refused; it fails for good with that reason, unsent.
	AppendItem(dst []byte, i int) (out []byte, id, refused string)
}

// Rebuilder is a Source that can build an item again so that the domain
// accepts it, such as a document the day's index refused for its mapping.
// The rebuilt item is sent at once, in the same round, not after a
// backoff; when it is refused for good again, its Failure gives every
// refusal's reason.
type Rebuilder interface {
	// Rebuild is told that item i was refused for good with status and
	// reason, and reports whether AppendItem now yields a different item
	// worth sending. It must answer false in the end for an item refused
	// again and again.
	Rebuild(i, status int, reason string) bool
}

// Prebuilt is a Source that has built its items already, back to back in
// one buffer, as a caller that batches by the size of what it built has
// them: the first request sends that buffer as it lies instead of a copy
// built item by item. Items sent again (retries, halves, rebuilt items)
// and a buffer too big for one request are built with AppendItem.
type Prebuilt interface {
	Source
	// Built returns items 0 to Len()-1, each as AppendItem appends it and
	// none refused, one after the other. IndexSource reads it, never
	// writes to it, and keeps nothing of it once it returns.
	Built() []byte
	// ID is item i's _id, as AppendItem returns it.
	ID(i int) string
}

// Index sends items until each is indexed, failed for good, or out of
// retries or time. It never returns an item twice or forgets one. An item
// rebuilt after a refusal gets its new Body in items.
func (ix *Indexer) Index(ctx context.Context, items []Item) Result {
	res := ix.IndexSource(ctx, Items(items))
	for k, i := range res.Indexed {
		res.Indexed[k] = items[i].Ref
	}
	for _, fs := range [][]Failure{res.Failed, res.Unresolved} {
		for k := range fs {
			fs[k].Ref = items[fs[k].Ref].Ref
		}
	}
	return res
}

// Items serves prepared items as a Source: IndexSource(ctx, Items(items))
// is Index with each Ref in the Result an item's position in items. Items
// whose bodies lie back to back in one buffer, as a caller that builds a
// batch in one buffer lays them out, are Prebuilt: see Built.
type Items []Item

func (s Items) Len() int { return len(s) }

// Built is the items' bodies as one slice when they are slices of one
// buffer, each beginning where the one before it ends (and its capacity
// reaching on, as b[start:end] leaves it), else nil: each is then copied
// into the request.
func (s Items) Built() []byte {
	if len(s) == 0 {
		return nil
	}
	all := s[0].Body
	for _, it := range s[1:] {
		n := len(all)
		if len(it.Body) == 0 || cap(all)-n < len(it.Body) || &all[:n+1][n] != &it.Body[0] {
			return nil
		}
		all = all[:n+len(it.Body)]
	}
	return all
}

func (s Items) ID(i int) string { return s[i].ID }

func (s Items) AppendItem(dst []byte, i int) (out []byte, id, refused string) {
	return append(dst, s[i].Body...), s[i].ID, ""
}

func (s Items) Rebuild(i, status int, reason string) bool {
	if s[i].Rebuild == nil {
		return false
	}
	body, ok := s[i].Rebuild(s[i].Ref, status, reason)
	if ok {
		s[i].Body = body
	}
	return ok
}

// IndexSource is Index for items built on demand; each Ref in the Result
// is the item's number in src.
func (ix *Indexer) IndexSource(ctx context.Context, src Source) Result {
	// Sized once: most items are indexed at the first send.
	res := Result{Indexed: make([]int, 0, src.Len())}
	pending := make([]int, src.Len())
	for i := range pending {
		pending[i] = i
	}
	r := round{ix: ix, src: src, res: &res, maxBytes: ix.cfg.MaxBytes, last: map[int]Failure{}}
	r.rebuilder, _ = src.(Rebuilder)
	r.prebuilt, _ = src.(Prebuilt)
	for attempt := 1; len(pending) > 0; attempt++ {
		if attempt > 1 {
			if attempt > ix.cfg.MaxAttempts {
				break
			}
			d := ix.cfg.Backoff.Delay(attempt - 1)
			if !ix.timeLeft(ctx, d) || ix.cfg.Sleep(ctx, d) != nil {
				break
			}
			res.Retried += len(pending)
		}
		pending = r.send(ctx, pending)
	}
	for _, i := range pending {
		f := r.last[i]
		f.Ref = i
		if f.Reason == "" {
			f.Reason = "not sent: no time left in the invocation"
		}
		res.Unresolved = append(res.Unresolved, f)
	}
	return res
}

// timeLeft reports whether waiting d still leaves more than the reserve
// before ctx's deadline.
func (ix *Indexer) timeLeft(ctx context.Context, d time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	deadline, ok := ctx.Deadline()
	return !ok || deadline.Sub(ix.cfg.Now())-d > ix.cfg.Reserve
}

// round is the state of one IndexSource call.
type round struct {
	ix       *Indexer
	src      Source
	res      *Result
	maxBytes int // lowered when the domain answers 413
	last     map[int]Failure
	// rebuilder is src when it can rebuild refused items; refusals holds
	// the reasons of the refusals each rebuilt item has had so far.
	rebuilder Rebuilder
	refusals  map[int]string
	// prebuilt is src when it has built its items already, until the
	// first request is filled.
	prebuilt Prebuilt
	// body is the request being sent: ix.body, or the prebuilt body
	// (never written to).
	body []byte
	// sent is what the request being sent carried, to redact from every
	// quote of its answer.
	sent sentCredentials
}

// requestIDs are the _ids of the request being sent, copied one after the
// other into one buffer as its items are built, when each id was just
// read: the answer's ids are checked against them, and read from one run
// of memory they cost a fraction of reading each where its event lies,
// scattered across the payload and long out of the CPU's caches.
type requestIDs struct {
	text []byte
	ends []int
}

func (r *requestIDs) reset() {
	r.text, r.ends = r.text[:0], r.ends[:0]
}

func (r *requestIDs) add(id string) {
	r.text = append(r.text, id...)
	r.ends = append(r.ends, len(r.text))
}

// at is the k-th id.
func (r *requestIDs) at(k int) []byte {
	start := 0
	if k > 0 {
		start = r.ends[k-1]
	}
	return r.text[start:r.ends[k]]
}

// send sends every pending item once and returns those to retry.
func (r *round) send(ctx context.Context, pending []int) (retry []int) {
	var halves [][]int // of a request split after a 400 or 413, sent first
	next := 0
	for len(halves) > 0 || next < len(pending) {
		if !r.ix.timeLeft(ctx, 0) {
			for _, h := range halves {
				retry = append(retry, h...)
			}
			return append(retry, pending[next:]...)
		}
		var chunk []int
		if len(halves) > 0 {
			// Packed again up to maxBytes: rebuilt items are usually
			// bigger than they were (demoted values written as strings),
			// so a chunk that fitted once may not fit now.
			var queued []int
			queued, halves = halves[0], halves[1:]
			var n int
			if chunk, n = r.fill(queued, 0); n < len(queued) {
				halves = append([][]int{queued[n:]}, halves...)
			}
			if len(chunk) == 0 {
				continue
			}
		} else if chunk, next = r.fill(pending, next); len(chunk) == 0 {
			continue
		}
		status, resp, err := r.post(ctx, len(chunk))
		switch v := classifyRequest(status, err, len(chunk)); v {
		case requestOK:
			var again []int
			again, retry = r.readItems(chunk, resp, retry)
			if len(again) > 0 {
				halves = append(halves, again)
			}
		case requestRetry:
			reason := r.requestReason(status, resp, err)
			for _, i := range chunk {
				r.last[i] = Failure{Status: status, Reason: reason}
			}
			retry = append(retry, chunk...)
		case requestSplit:
			// One bad item (400) or a body over the domain's cap (413)
			// must not sink its neighbours: halve until it is alone.
			if status == 413 {
				r.maxBytes = max(1, len(r.body)/2)
			}
			half := len(chunk) / 2
			halves = append([][]int{chunk[:half:half], chunk[half:]}, halves...)
		case requestFailed:
			reason := r.requestReason(status, resp, err)
			for _, i := range chunk {
				r.res.Failed = append(r.res.Failed, Failure{Ref: i, Status: status, Reason: reason})
			}
		}
	}
	return retry
}

// fill builds the next request from pending[next:] into ix.body, up to
// maxBytes, and returns its items and where the following request starts;
// the first request of a Prebuilt source is its buffer, when it fits. An
// item over MaxBytes on its own fails for good.
func (r *round) fill(pending []int, next int) (chunk []int, after int) {
	if pb := r.prebuilt; pb != nil {
		r.prebuilt = nil
		// The first request holds every item, in order: pending is
		// 0 to Len()-1. A body over maxBytes is built again and cut.
		if body := pb.Built(); len(body) > 0 && len(body) <= r.maxBytes && next == 0 && len(pending) == pb.Len() {
			r.ix.ids.reset()
			for _, i := range pending {
				r.ix.ids.add(pb.ID(i))
			}
			r.body = body
			return pending, len(pending)
		}
	}
	if r.ix.body == nil {
		// Sized once: grown by doubling, the buffer would leave as much
		// garbage as it holds, and end up to twice MaxBytes.
		r.ix.body = make([]byte, 0, r.ix.cfg.MaxBytes+bodySlack)
	}
	body := r.ix.body[:0]
	r.ix.ids.reset()
	// While every item is taken, the chunk is pending[first:next] itself:
	// a chunk of its own is made only once an item is left out.
	first, gapped := next, false
	for ; next < len(pending); next++ {
		i := pending[next]
		start := len(body)
		var id, refused string
		body, id, refused = r.src.AppendItem(body, i)
		status := 0
		if n := len(body) - start; refused == "" && n > r.ix.cfg.MaxBytes {
			status, refused = 413, fmt.Sprintf(
				"the bulk item is %d bytes, over the %d-byte request limit (the largest bulk request every instance type accepts); "+
					"shorten the log line at its source, or index it by hand from the record kept here", n, r.ix.cfg.MaxBytes)
		}
		if refused != "" {
			body = body[:start]
			r.res.Failed = append(r.res.Failed, Failure{Ref: i, Status: status, Reason: refused})
			if !gapped {
				chunk, gapped = append(chunk, pending[first:next]...), true
			}
			continue
		}
		if len(body) > r.maxBytes && (len(chunk) > 0 || !gapped && next > first) {
			body = body[:start] // the item opens the next request
			break
		}
		if gapped {
			chunk = append(chunk, i)
		}
		r.ix.ids.add(id)
	}
	if !gapped {
		// Capped, so that nothing appended to it can reach pending.
		chunk = pending[first:next:next]
	}
	r.ix.body, r.body = body, body
	return chunk, next
}

// post sends the request in r.body.
func (r *round) post(ctx context.Context, items int) (status int, resp []byte, err error) {
	reqCtx, cancel := r.requestContext(ctx)
	defer cancel()
	r.sent = sentCredentials{}
	reqCtx = redact.WithNoter(reqCtx, &r.sent)
	start := r.ix.cfg.Now()
	if bp, ok := r.ix.post.(BufferPoster); ok {
		// The answer is read (readItems, requestReason) before the
		// next request reuses its buffer; nothing keeps a part of it.
		status, resp, err = bp.PostBulkInto(reqCtx, r.body, r.ix.resp)
		if cap(resp) > cap(r.ix.resp) {
			r.ix.resp = resp[:0]
		}
	} else {
		status, resp, err = r.ix.post.PostBulk(reqCtx, r.body)
	}
	if err != nil {
		status = 0
		if reqCtx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("no answer within %v: %w", r.ix.cfg.Now().Sub(start).Round(time.Millisecond), err)
		}
		text := err.Error()
		if redacted := r.sent.redact(text); redacted != text {
			err = errors.New(redacted)
		}
	}
	if r.ix.cfg.OnRequest != nil {
		r.ix.cfg.OnRequest(RequestStats{Items: items, Bytes: len(r.body), Latency: r.ix.cfg.Now().Sub(start), Status: status, Err: err})
	}
	return status, resp, err
}

// requestContext bounds one round trip by RequestTimeout and by the
// reserve before the invocation's deadline.
func (r *round) requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline := r.ix.cfg.Now().Add(r.ix.cfg.RequestTimeout)
	if d, ok := ctx.Deadline(); ok {
		deadline = minTime(deadline, d.Add(-r.ix.cfg.Reserve))
	}
	return context.WithDeadline(ctx, deadline)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// readItems records each item's outcome from a 2xx response, appends the
// items to retry after a backoff to retry, and returns the rebuilt items
// to send again now.
func (r *round) readItems(chunk []int, resp []byte, retry []int) (again, retryOut []int) {
	statuses, err := parseResponse(resp, len(chunk), r.ix.statuses)
	if err == nil {
		r.ix.statuses = statuses
		for k, s := range statuses {
			if want := r.ix.ids.at(k); s.ID != string(want) {
				err = fmt.Errorf("item %d of the response is _id %q, expected %q", k, s.ID, want)
				break
			}
		}
	}
	if err != nil {
		// The outcome is unknown; re-sending is harmless because the _id
		// is fixed, so a document already written is only overwritten.
		reason := r.sent.redact(unreadableReason(err))
		for _, i := range chunk {
			r.last[i] = Failure{Reason: reason}
		}
		return nil, append(retry, chunk...)
	}
	for k, i := range chunk {
		s := statuses[k]
		switch {
		case s.Status >= 200 && s.Status < 300:
			r.res.Indexed = append(r.res.Indexed, i)
		case retryableStatus(s.Status):
			r.last[i] = Failure{Status: s.Status, Reason: r.sent.redact(s.Reason)}
			retry = append(retry, i)
		default:
			refusal := r.sent.redact(s.Reason)
			reason := refusal
			if prev, ok := r.refusals[i]; ok {
				reason = prev + "; rebuilt, then: " + reason
			}
			if r.rebuilder != nil && r.rebuilder.Rebuild(i, s.Status, refusal) {
				if r.refusals == nil {
					r.refusals = map[int]string{}
				}
				r.refusals[i] = reason
				r.res.Rebuilt++
				again = append(again, i)
				continue
			}
			r.res.Failed = append(r.res.Failed, Failure{Ref: i, Status: s.Status, Reason: reason})
		}
	}
	return again, retry
}

// What to do with a whole request's answer.
type requestVerdict int

const (
	requestOK     requestVerdict = iota // read the items
	requestRetry                        // resend every item later
	requestSplit                        // resend now in halves
	requestFailed                       // every item failed for good
)

func classifyRequest(status int, err error, items int) requestVerdict {
	switch {
	case err != nil || retryableStatus(status):
		return requestRetry
	case status >= 200 && status < 300:
		return requestOK
	case (status == 400 || status == 413) && items > 1:
		return requestSplit
	default:
		return requestFailed
	}
}

// retryableStatus: 429 is OpenSearch's "write queue full, slow down"; 5xx
// covers a node restarting, a blue/green change and gateway timeouts; 408
// is a proxy or load balancer that did not receive the request in time
// (RFC 9110, section 15.5.9: "the client MAY repeat that request").
func retryableStatus(status int) bool {
	return status == 408 || status == 429 || status >= 500
}

// requestReason describes a whole request's failure, with the usual fix,
// quoting the answer without the credentials the request carried.
func (r *round) requestReason(status int, resp []byte, err error) string {
	if err != nil {
		// Redacted by post.
		return "connection error: " + err.Error() + " (the domain did not answer: if this persists, check the domain's health " +
			"and that the function's subnets and security group reach its endpoint on port 443)"
	}
	reason := fmt.Sprintf("HTTP %d from the domain: %s", status, r.sent.excerpt(resp, excerptBytes))
	switch {
	case status >= 300 && status < 400:
		reason += " (fix: the endpoint redirects, so something other than the domain answered: set OPENSEARCH_ENDPOINT to the domain's own endpoint)"
	case status == 401 || status == 403:
		reason += " (fix: map the function's IAM role to a backend role allowed to write the indices, and check the domain access policy)"
	case status == 404 || status == 405:
		reason += " (fix: this server has no _bulk API: set OPENSEARCH_ENDPOINT to the domain's endpoint, without a path)"
	case status == 413:
		reason += " (fix: lower BULK_MAX_BYTES to the instance type's HTTP payload cap)"
	case status == 408:
		reason += " (the domain, or a proxy in front of it, did not receive the request in time: if this persists, check the network path, or lower BULK_MAX_BYTES)"
	case status == 429:
		reason += " (the domain is overloaded: persistent 429s mean it needs more or bigger data nodes)"
	case status >= 500:
		reason += " (the domain could not take the request: a node restarting or a configuration change; if this persists, check the domain's health)"
	}
	return reason
}

// unreadableReason is why the items of a 2xx answer that does not account
// for them are sent again.
func unreadableReason(err error) string {
	return "unreadable _bulk response: " + err.Error() +
		" (if this persists, something other than the domain answers: set OPENSEARCH_ENDPOINT to the domain's own endpoint)"
}

// excerptBytes keeps error bodies readable in logs and DLQ records.
const excerptBytes = 512
