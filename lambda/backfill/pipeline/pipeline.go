// Package pipeline indexes archived objects the way the live ingest path
// indexes CloudWatch events: each line becomes a synthetic log event, the
// shared document.Builder turns it into a bulk item, and a Sender delivers
// batches to OpenSearch. Objects are processed in parallel, one Builder per
// worker; an object is recorded as done only when every one of its lines
// is indexed, so an interrupted run can resume object by object.
package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"io"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/logsearch/logsearch/lambda/archive"
	"github.com/logsearch/logsearch/lambda/backfill/progress"
	"github.com/logsearch/logsearch/lambda/backfill/rejects"
	"github.com/logsearch/logsearch/lambda/backfill/resume"
	"github.com/logsearch/logsearch/lambda/bulk"
	"github.com/logsearch/logsearch/lambda/conflict"
	"github.com/logsearch/logsearch/lambda/cwlogs"
	"github.com/logsearch/logsearch/lambda/document"
	"github.com/logsearch/logsearch/lambda/jsonscan"
)

// Job is one object to index.
type Job struct {
	Store  archive.Store
	Object archive.Object
}

// ID names the object across runs: store and key.
func (j Job) ID() string { return j.Store.Name() + "/" + j.Object.Key }

// Sender delivers bulk items: *bulk.Indexer, the ingest function's client,
// which splits requests, reads every item's status and retries 429s, 5xx
// and connection errors with backoff. Every item comes back exactly once
// in the Result: indexed, failed for good (to the rejects file) or
// unresolved (retries spent: the domain is down or overloaded, and the run
// stops). A worker's batch is a bulk.Prebuilt source: its first request is
// the buffer the items were built in.
type Sender interface {
	IndexSource(ctx context.Context, src bulk.Source) bulk.Result
}

// Config is what a run does.
type Config struct {
	// Document configures the shared Builder: index prefix, time zone,
	// time field and field types, as in the ingest function.
	Document document.Config
	// LogGroup is written as @log_group; empty means the store's name
	// (s3://bucket or file:///dir).
	LogGroup string
	// Concurrency is how many objects are processed at once.
	Concurrency int
	// BatchBytes is the bulk body size a worker accumulates before sending.
	BatchBytes int
	// KeepIndex, when set, drops documents bound for other indices (redo
	// refills only the index-days it deleted).
	KeepIndex func(index string) bool
	// ReadAttempts is how often an object is read before a transport
	// failure (not corruption) fails it.
	ReadAttempts int
	// MaxLineBytes is the longest line indexed; longer ones go to the
	// rejects file (0: archive.DefaultMaxLineBytes).
	MaxLineBytes int

	// DryRun reads and builds everything but sends nothing and records no
	// state; it describes the objects on DryRunOut.
	DryRun    bool
	DryRunOut io.Writer
	// Samples is how many built documents a dry run prints.
	Samples int
	// CountDistinct makes a dry run count the distinct ids per index in
	// Summary.Distinct: what the documents built would leave in the
	// domain, copies and repeats counted once.
	CountDistinct bool
}

// Deps are the run's collaborators. Only Now and Meter are used in a dry
// run, and they may be nil.
type Deps struct {
	// NewSender makes each worker's Sender (a bulk.Indexer reuses its
	// buffers, so workers do not share one).
	NewSender func() (Sender, error)
	State     *resume.State
	Rejects   *rejects.Writer
	Meter     *progress.Meter
	Now       func() time.Time
}

// Summary is what a run did.
type Summary struct {
	Objects     int // objects listed for this run
	AlreadyDone int // skipped: finished by an earlier attempt
	Done        int // finished now, every line indexed
	Failed      []ObjectFailure
	// Every line read is counted once in exactly one of Indexed,
	// Rejected, TooLong, Empty, OtherIndex and Pending, which add up to
	// Lines, also when the run is interrupted or stopped.
	Lines      int64 // lines read (empty lines included)
	Sent       int64 // documents sent to OpenSearch (0 in a dry run)
	Indexed    int64 // documents accepted by OpenSearch (or built, in a dry run)
	Pending    int64 // documents read but not confirmed indexed or refused: the next run sends them again
	Rejected   int64 // documents refused for good, written to the rejects file
	TooLong    int64 // lines over MaxLineBytes, written to the rejects file
	Empty      int64 // blank lines, which make no document
	OtherIndex int64 // redo: documents for index-days not being redone
	PerIndex   map[string]int64
	// Distinct counts the distinct ids per index (dry run with
	// CountDistinct only).
	Distinct map[string]int64
	// LogGroups are the @log_group values of the documents built, sorted.
	LogGroups      []string
	Interrupted    bool
	DeliveryFailed error // the Sender gave up: the run stopped
	// Warnings are objects finished with something left unread after
	// their last gzip member (also in the rejects file).
	Warnings []ObjectFailure
}

// ObjectFailure is an object not (fully) indexed.
type ObjectFailure struct {
	Object string
	Err    error
}

// OK reports whether every line of every object was indexed.
func (s *Summary) OK() bool {
	return len(s.Failed) == 0 && s.Rejected == 0 && s.TooLong == 0 && !s.Interrupted && s.DeliveryFailed == nil
}

// Run indexes jobs. Cancelling stop ends the run gracefully: no new object
// is started, lines already read are still sent, and unfinished objects
// stay unrecorded for the next attempt. Cancelling ctx aborts sends too.
func Run(ctx, stop context.Context, cfg Config, deps Deps, jobs []Job) (*Summary, error) {
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	if cfg.BatchBytes <= 0 {
		cfg.BatchBytes = 5 << 20
	}
	if cfg.ReadAttempts < 1 {
		cfg.ReadAttempts = 3
	}
	if cfg.MaxLineBytes <= 0 {
		cfg.MaxLineBytes = archive.DefaultMaxLineBytes
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Meter == nil {
		deps.Meter = progress.NewMeter(0, 0)
	}
	if !cfg.DryRun && (deps.NewSender == nil || deps.State == nil || deps.Rejects == nil) {
		return nil, errors.New("pipeline: NewSender, State and Rejects are required outside a dry run")
	}
	// Check the document settings once, before any worker starts.
	if _, err := document.NewBuilder(cfg.Document); err != nil {
		return nil, err
	}
	for _, j := range jobs {
		if j.Object.Day.IsZero() {
			return nil, fmt.Errorf("pipeline: %s has no day: lines without a time field would have no stable index", j.ID())
		}
	}

	sum := &Summary{Objects: len(jobs), PerIndex: map[string]int64{}}
	var todo []Job
	for _, j := range jobs {
		if !cfg.DryRun && deps.State.IsDone(j.ID(), j.Object.ETag) {
			sum.AlreadyDone++
			continue
		}
		todo = append(todo, j)
	}

	// sendCtx outlives stop so that in-flight batches are delivered after
	// an interrupt; abort stops everything when delivery itself fails.
	sendCtx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	readCtx, cancelRead := context.WithCancel(stop)
	defer cancelRead()
	go func() {
		<-sendCtx.Done()
		cancelRead()
	}()

	r := &runner{cfg: cfg, deps: deps, sum: sum, sendCtx: sendCtx, readCtx: readCtx, abort: abort,
		groups: map[string]bool{}, distinct: map[string]map[uint64]struct{}{}}
	queue := make(chan Job)
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		w, err := r.newWorker()
		if err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				w.process(j)
			}
		}()
	}
feed:
	for _, j := range todo {
		select {
		case queue <- j:
		case <-readCtx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()

	for g := range r.groups {
		sum.LogGroups = append(sum.LogGroups, g)
	}
	sort.Strings(sum.LogGroups)
	if cfg.CountDistinct {
		sum.Distinct = map[string]int64{}
		for index, ids := range r.distinct {
			sum.Distinct[index] = int64(len(ids))
		}
	}
	if err := context.Cause(sendCtx); err != nil && ctx.Err() == nil {
		sum.DeliveryFailed = err
	}
	sum.Interrupted = stop.Err() != nil || ctx.Err() != nil
	if deps.Rejects != nil {
		if err := deps.Rejects.Sync(); err != nil {
			return sum, err
		}
	}
	if r.fatal != nil {
		return sum, r.fatal
	}
	return sum, nil
}

type runner struct {
	cfg              Config
	deps             Deps
	sendCtx, readCtx context.Context
	abort            context.CancelCauseFunc

	mu      sync.Mutex
	sum     *Summary
	samples int
	groups  map[string]bool
	// distinct holds a 64-bit hash of every id per index (CountDistinct):
	// a collision can only make the count smaller, never larger.
	distinct map[string]map[uint64]struct{}
	fatal    error // state or rejects file unwritable: stop
}

// stopWith ends the run for a reason local to this machine.
func (r *runner) stopWith(err error) {
	r.mu.Lock()
	if r.fatal == nil {
		r.fatal = err
	}
	r.mu.Unlock()
	r.abort(err)
}

// objectResult accumulates one object's counts under the runner's lock.
type objectResult struct {
	lines, sent, indexed, rejected, tooLong, empty, otherIndex, pending int64
	perIndex                                                            map[string]int64
	warning                                                             error
}

func (r *runner) record(job Job, res *objectResult, failure error, complete bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sum
	s.Lines += res.lines
	s.Sent += res.sent
	s.Indexed += res.indexed
	s.Pending += res.pending
	s.Rejected += res.rejected
	s.TooLong += res.tooLong
	s.Empty += res.empty
	s.OtherIndex += res.otherIndex
	for k, v := range res.perIndex {
		s.PerIndex[k] += v
	}
	switch {
	case failure != nil:
		s.Failed = append(s.Failed, ObjectFailure{Object: job.ID(), Err: failure})
	case complete:
		s.Done++
	}
	if res.warning != nil {
		s.Warnings = append(s.Warnings, ObjectFailure{Object: job.ID(), Err: res.warning})
	}
}

// worker processes one object at a time with its own buffers and Builder.
type worker struct {
	*runner
	builder *document.Builder
	sender  Sender
	lines   archive.Lines
	payload cwlogs.Payload
	ids     lineIDs

	// body is the batch's items, built back to back: the bulk request
	// body the batch is first sent in.
	body  []byte
	carry []byte // the item that opens the next batch, while one is sent
	items []item
	raw   []byte // the lines of the batch, for the rejects file
	// conflicts demotes the fields of a line the day's index refused for
	// its mapping, and rebuildEv is the event rebuilt, with the object's
	// fallback time.
	conflicts conflict.Tracker
	rebuildEv cwlogs.LogEvent
}

type item struct {
	id                 string
	ts                 int64
	line               int64
	index              string
	bodyStart, bodyEnd int
	rawStart, rawEnd   int
}

func (r *runner) newWorker() (*worker, error) {
	b, err := document.NewBuilder(r.cfg.Document)
	if err != nil {
		return nil, err
	}
	w := &worker{runner: r, builder: b, payload: cwlogs.Payload{MessageType: cwlogs.MessageTypeData}}
	w.lines.MaxLineBytes = r.cfg.MaxLineBytes
	// Sized once: a batch ends before the item that would take it past
	// BatchBytes (only a longer item on its own exceeds it), so that it is
	// sent as it lies in one request. Grown by appending, the body would
	// be copied again and again (by a quarter at a time at this size), and
	// the raw lines, about half its size, and the items too, each copy
	// into fresh memory the kernel faults in page by page. What a batch
	// leaves unused of them is never touched.
	w.body = make([]byte, 0, r.cfg.BatchBytes+batchSlack)
	w.raw = make([]byte, 0, r.cfg.BatchBytes/2)
	w.items = make([]item, 0, r.cfg.BatchBytes/minItemBytes)
	if !r.cfg.DryRun {
		if w.sender, err = r.deps.NewSender(); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// batchSlack is room past BatchBytes for the item that ends a batch
// (rarer, longer lines grow the buffer once).
const batchSlack = 512 << 10

// minItemBytes is about the smallest bulk item: the action line and a
// document with @timestamp, @message, @log_group and @log_stream. Batches
// of smaller items grow the items buffer.
const minItemBytes = 256

// errStopped marks an object left unfinished because the run is stopping.
var errStopped = errors.New("run stopping")

func (w *worker) process(j Job) {
	res := &objectResult{perIndex: map[string]int64{}}
	var err error
	for attempt := 1; ; attempt++ {
		*res = objectResult{perIndex: map[string]int64{}}
		err = w.read(j, res)
		var ce *archive.CorruptError
		if err == nil || errors.Is(err, errStopped) || errors.As(err, &ce) || attempt >= w.cfg.ReadAttempts || w.readCtx.Err() != nil {
			break
		}
		// A dropped download: read the object again from the start.
		// Deterministic ids make the lines already sent harmless.
	}
	switch {
	case errors.Is(err, errStopped):
		w.record(j, res, nil, false)
		return
	case err != nil:
		if !w.cfg.DryRun {
			if werr := w.deps.Rejects.Write(rejects.Reject{Time: w.deps.Now().UTC(), Source: j.Store.Name(), Object: j.Object.Key, Line: res.lines + 1, Error: err.Error()}); werr != nil {
				w.stopWith(werr)
			}
		}
		w.record(j, res, err, false)
		return
	}
	if w.cfg.DryRun {
		w.describe(j, res)
		w.deps.Meter.ObjectDone()
		w.record(j, res, nil, true)
		return
	}
	if res.rejected > 0 || res.tooLong > 0 {
		// Not recorded as done: after fixing the cause (e.g. the field
		// types, or --max-line-bytes), the next run sends the object again.
		w.record(j, res, fmt.Errorf("%d lines refused by OpenSearch and %d too long, see %s", res.rejected, res.tooLong, w.deps.Rejects.Path()), false)
		return
	}
	if err := w.deps.Rejects.Sync(); err != nil {
		w.stopWith(err)
		return
	}
	if err := w.deps.State.MarkDone(j.ID(), j.Object.ETag, res.lines, w.deps.Now()); err != nil {
		w.stopWith(err)
		w.record(j, res, nil, false)
		return
	}
	w.deps.Meter.ObjectDone()
	w.record(j, res, nil, true)
}

// read indexes one object once. An object of the stack's own archive in
// the events format (archive.EventsVersion) gives each event its archived
// id, time, log group, stream and owner, so the documents are the ones the
// live path indexed. Any other object's lines become events whose ids are
// lineIDs' and whose timestamp (used when the line's time field is missing
// or unparsable) is the start of the object's day: both depend only on
// what the object says and where in its day's folders it lies, never on
// when or where it was stored.
func (w *worker) read(j Job, res *objectResult) error {
	rc, err := j.Store.Open(w.readCtx, j.Object.Key)
	if err != nil {
		if w.readCtx.Err() != nil {
			return errStopped
		}
		return err
	}
	defer func() { _ = rc.Close() }()
	w.lines.MaxLineBytes = w.cfg.MaxLineBytes
	if err := w.lines.Reset(rc); err != nil {
		return err
	}
	w.payload.LogGroup = w.cfg.LogGroup
	if w.payload.LogGroup == "" {
		w.payload.LogGroup = j.Store.Name()
	}
	w.payload.LogStream, w.payload.Owner = j.Object.Key, ""
	ev := cwlogs.LogEvent{Timestamp: fallbackTime(j.Object, w.cfg.Document.Location).UnixMilli()}
	w.ids.reset(w.payload.LogGroup, j.Object.Day, streamOf(j.Object))
	w.body, w.items, w.raw = w.body[:0], w.items[:0], w.raw[:0]
	events := false     // the object is in the events format
	otherGroup := false // its events belong to a log group this run does not write

	var counted, stored, text int64 // what the meter has been told
	stopped := false
	for {
		// Checked before a line is read, so that every line counted as
		// read is also built and sent (or counted as blank, ...).
		if res.lines-counted >= 4096 {
			w.deps.Meter.Add(res.lines-counted, w.lines.StoredBytes()-stored, text)
			counted, stored, text = res.lines, w.lines.StoredBytes(), 0
			if w.readCtx.Err() != nil {
				stopped = true
				break
			}
		}
		line, n, ok := w.lines.Next()
		if !ok {
			break
		}
		if n == 1 && w.lines.Overlong() == nil {
			h, isHeader, err := archive.ParseHeader(line)
			if err != nil {
				return err
			}
			if isHeader {
				events = true
				w.payload.LogGroup, w.payload.LogStream, w.payload.Owner = h.LogGroup, h.LogStream, h.Owner
				otherGroup = w.cfg.LogGroup != "" && h.LogGroup != w.cfg.LogGroup
				w.lines.MaxLineBytes = archive.MaxEventLineBytes(w.cfg.MaxLineBytes)
				text += int64(len(line)) + 1
				continue
			}
		}
		res.lines++
		text += int64(len(line)) + 1
		if ov := w.lines.Overlong(); ov != nil {
			text += ov.Bytes
			w.ids.next(ov.Head) // keeps the following lines' ids
			if err := w.rejectOverlong(j, ov); err != nil {
				return err
			}
			res.tooLong++
			continue
		}
		if events {
			e, err := archive.ParseEvent(line)
			if err != nil {
				if err := w.rejectLine(j, n, line, err); err != nil {
					return err
				}
				res.rejected++
				continue
			}
			if otherGroup {
				res.otherIndex++
				continue
			}
			ev.ID, ev.Timestamp, ev.Message = e.ID, e.Timestamp, e.Message
		} else {
			ev.ID = w.ids.next(line)
			if isBlank(line) {
				res.empty++
				continue
			}
			// The line as it lies in the reader's buffer, valid until
			// the next Next: the Builder keeps nothing of the event once
			// it returns (the ingest function's events alias its decode
			// buffer the same way), and the raw copy below is what the
			// batch keeps.
			ev.Message = jsonscan.UnsafeString(line)
		}
		mark := len(w.body)
		var info document.ItemInfo
		w.body, info = w.builder.AppendBulkItem(w.body, &w.payload, &ev)
		if info.Refused != "" {
			if err := w.rejectLine(j, n, []byte(ev.Message), errors.New(info.Refused)); err != nil {
				return err
			}
			res.rejected++
			continue
		}
		if w.cfg.KeepIndex != nil && !w.cfg.KeepIndex(info.Index) {
			w.body = w.body[:mark]
			res.otherIndex++
			continue
		}
		if len(w.body) > w.cfg.BatchBytes && len(w.items) > 0 {
			// The item takes the batch past BatchBytes, where the sender
			// would cut it off into a request of its own: send the batch
			// without it, and let it open the next one.
			w.carry = append(w.carry[:0], w.body[mark:]...)
			w.body = w.body[:mark]
			if err := w.flush(j, res); err != nil {
				// The run stops: the line is left for the next run, as
				// are those after it, so that every line counted as read
				// was sent.
				res.lines--
				return err
			}
			mark = 0
			w.body = append(w.body[:0], w.carry...)
		}
		start := len(w.raw)
		w.raw = append(w.raw, ev.Message...)
		w.items = append(w.items, item{id: ev.ID, ts: ev.Timestamp, line: n, index: info.Index, bodyStart: mark, bodyEnd: len(w.body), rawStart: start, rawEnd: len(w.raw)})
		if w.cfg.DryRun {
			w.sample(w.body[mark:])
		}
		if len(w.body) >= w.cfg.BatchBytes {
			if err := w.flush(j, res); err != nil {
				return err
			}
		}
	}
	w.deps.Meter.Add(res.lines-counted, w.lines.StoredBytes()-stored, text)
	if err := w.flush(j, res); err != nil {
		return err
	}
	if err := w.lines.Err(); err != nil {
		return fmt.Errorf("%s/%s after line %d: %w", j.Store.Name(), j.Object.Key, res.lines, err)
	}
	if stopped {
		return errStopped
	}
	if tr := w.lines.Trailing(); tr != nil {
		res.warning = fmt.Errorf("ignored what follows the last gzip member at stored byte %d: it is neither gzip data nor zero padding; the %d lines before it were read", tr.Offset, res.lines)
		if !w.cfg.DryRun {
			if err := w.deps.Rejects.Write(rejects.Reject{Time: w.deps.Now().UTC(), Source: j.Store.Name(), Object: j.Object.Key, Error: res.warning.Error()}); err != nil {
				w.stopWith(err)
				return errStopped
			}
		}
	}
	return nil
}

// rejectLine files a line that makes no document, with why.
func (w *worker) rejectLine(j Job, n int64, line []byte, why error) error {
	if w.cfg.DryRun {
		return nil
	}
	msg := string(line)
	if err := w.deps.Rejects.Write(rejects.Reject{
		Time: w.deps.Now().UTC(), Source: j.Store.Name(), Object: j.Object.Key, Line: n, Error: why.Error(), Message: &msg,
	}); err != nil {
		w.stopWith(err)
		return errStopped
	}
	return nil
}

// rejectOverlong files a line longer than MaxLineBytes with where it is.
func (w *worker) rejectOverlong(j Job, ov *archive.Overlong) error {
	if w.cfg.DryRun {
		return nil
	}
	head := string(ov.Head)
	err := w.deps.Rejects.Write(rejects.Reject{
		Time: w.deps.Now().UTC(), Source: j.Store.Name(), Object: j.Object.Key, Line: ov.Number, Offset: ov.Offset,
		Error:   fmt.Sprintf("line of %d bytes is longer than --max-line-bytes %d and was not indexed (message holds its first %d bytes); to index it, raise --max-line-bytes and run again", ov.Bytes, w.lines.MaxLineBytes, len(ov.Head)),
		Message: &head,
	})
	if err != nil {
		w.stopWith(err)
		return errStopped
	}
	return nil
}

// flush sends the batch and files its permanent failures.
func (w *worker) flush(j Job, res *objectResult) error {
	if len(w.items) == 0 {
		return nil
	}
	defer func() { w.body, w.items, w.raw = w.body[:0], w.items[:0], w.raw[:0] }()
	w.noteBatch()
	if w.cfg.DryRun {
		for _, it := range w.items {
			res.perIndex[it.index]++
		}
		res.indexed += int64(len(w.items))
		return nil
	}
	w.conflicts.Reset()
	result := w.sender.IndexSource(w.sendCtx, batch{w})
	res.sent += int64(len(w.items))
	for _, ref := range result.Indexed {
		res.perIndex[w.items[ref].index]++
	}
	res.indexed += int64(len(result.Indexed))
	// Every item ends up indexed, rejected or pending.
	unsettled := int64(len(w.items) - len(result.Indexed))
	defer func() { res.pending += unsettled }()
	if err := DeliveryError(result); err != nil {
		w.abort(err)
		return errStopped
	}
	for _, f := range result.Failed {
		it := w.items[f.Ref]
		msg := string(w.raw[it.rawStart:it.rawEnd])
		if err := w.deps.Rejects.Write(rejects.Reject{
			Time: w.deps.Now().UTC(), Source: j.Store.Name(), Object: j.Object.Key, Line: it.line,
			Index: it.index, Status: f.Status, Error: f.Reason, Message: &msg,
		}); err != nil {
			w.stopWith(err)
			return errStopped
		}
		res.rejected++
		unsettled--
	}
	return nil
}

// noteBatch records the batch's log group and, when counting them, its ids.
func (w *worker) noteBatch() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.groups[w.payload.LogGroup] = true
	if !w.cfg.CountDistinct {
		return
	}
	for _, it := range w.items {
		ids := w.distinct[it.index]
		if ids == nil {
			ids = map[uint64]struct{}{}
			w.distinct[it.index] = ids
		}
		h := fnv.New64a()
		_, _ = h.Write([]byte(it.id))
		ids[h.Sum64()] = struct{}{}
	}
}

// batch is a worker's batch as the Sender takes it: the items built in
// w.body, sent from there first, and built again, with the fields the
// day's index refused demoted, from the batch's raw lines.
type batch struct{ w *worker }

func (b batch) Len() int        { return len(b.w.items) }
func (b batch) Built() []byte   { return b.w.body }
func (b batch) ID(i int) string { return b.w.items[i].id }

func (b batch) AppendItem(dst []byte, i int) (out []byte, id, refused string) {
	w, it := b.w, &b.w.items[i]
	d := w.conflicts.Demotion(i)
	if d == nil {
		return append(dst, w.body[it.bodyStart:it.bodyEnd]...), it.id, ""
	}
	w.rebuildEv.ID, w.rebuildEv.Timestamp, w.rebuildEv.Message = it.id, it.ts, string(w.raw[it.rawStart:it.rawEnd])
	out, info := w.builder.AppendDemotedItem(dst, &w.payload, &w.rebuildEv, d)
	return out, it.id, info.Refused
}

// Rebuild demotes the fields a line's refusal names, so that it is sent
// again at once instead of filed as rejected.
func (b batch) Rebuild(i, status int, reason string) bool {
	return b.w.conflicts.Refused(i, status, reason)
}

// DeliveryError says why a run must stop after result, or nil: documents
// still undeliverable after every retry (the domain is down or
// overloaded), or a request refused as a whole for want of permission,
// where every document would otherwise be "rejected" for a reason that has
// nothing to do with it. Documents refused for good one by one (mapping
// errors) are not a reason to stop.
func DeliveryError(result bulk.Result) error {
	if len(result.Unresolved) > 0 {
		f := result.Unresolved[0]
		return fmt.Errorf("%d documents could not be delivered after every retry (first: status %d, %s): check the domain's health and --endpoint, then run again to resume", len(result.Unresolved), f.Status, f.Reason)
	}
	for _, f := range result.Failed {
		if f.Status == 401 || f.Status == 403 {
			return fmt.Errorf("OpenSearch refused the request (HTTP %d: %s): check --auth, your AWS credentials and the domain's access policy / role mapping", f.Status, f.Reason)
		}
	}
	return nil
}

// lineIDs gives each line of an object that is not in the events format
// its document id: 128 bits of a SHA-256 chain over the log group, the
// object's day, its stream (streamOf) and every line up to and including
// this one. Re-reading an object, a copy of it in the same stream, the
// same file renamed or rotated there, or the file after it grew, gives its
// lines the same ids (a re-run overwrites instead of duplicating), while
// identical lines at different places, or in different streams, differ.
type lineIDs struct {
	prev [sha256.Size]byte
	buf  []byte
	// h hashes the previous sum and the line as they lie, rather than
	// a copy of both in buf.
	h hash.Hash
	// text holds the ids handed out, one allocation for many lines. Bytes
	// an id points to are never written again: a full text is replaced,
	// not reused, and the GC frees it once no id refers to it.
	text []byte
}

// idText is how many bytes of ids (32 each) one allocation holds.
const idText = 32 << 10

func (c *lineIDs) reset(logGroup string, day time.Time, stream string) {
	c.buf = append(c.buf[:0], logGroup...)
	c.buf = append(c.buf, 0)
	c.buf = day.AppendFormat(c.buf, time.DateOnly)
	if stream != "" {
		c.buf = append(c.buf, 0)
		c.buf = append(c.buf, stream...)
	}
	c.prev = sha256.Sum256(c.buf)
	if c.h == nil {
		c.h = sha256.New()
	}
}

func (c *lineIDs) next(line []byte) string {
	c.h.Reset()
	_, _ = c.h.Write(c.prev[:])
	_, _ = c.h.Write(line)
	c.h.Sum(c.prev[:0])
	if len(c.text)+hex.EncodedLen(16) > cap(c.text) {
		c.text = make([]byte, 0, idText)
	}
	start := len(c.text)
	c.text = hex.AppendEncode(c.text, c.prev[:16])
	return jsonscan.UnsafeString(c.text[start:])
}

// streamOf names the stream an object's lines belong to, for their ids:
// the folders between its day's prefix and its name ("" for an object
// directly in the day's folder, or a file read on its own), so that
// host-a/app.log.gz and host-b/app.log.gz are different streams while
// copies, rotations and grown versions of one file are one. An object of
// the stack's archive written before the events format
// (<day>/<group>/<stream>/<first event id>.log.gz) holds one batch of one
// stream: its whole name after the day is its stream, so batches of the
// same identical lines stay apart.
func streamOf(o archive.Object) string {
	rest := strings.TrimPrefix(o.InDay, "/")
	dir, name := path.Split(rest)
	if id, ok := strings.CutSuffix(name, ".log.gz"); ok && dir != "" && id != "" && strings.Trim(id, "0123456789") == "" {
		return rest
	}
	return strings.TrimSuffix(dir, "/")
}

// fallbackTime is the timestamp of a line without a usable time field:
// midnight of the object's day in the index time zone, so such lines land
// in that day's index whenever and wherever the object is read.
func fallbackTime(o archive.Object, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := o.Day.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}
