package fakesqs

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/logsearch/logsearch/lambda/internal/awstest"
)

const q = "https://sqs.eu-west-1.amazonaws.com/123456789012/q"

func client(t *testing.T) (*sqs.Client, *Server) {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	awstest.StaticCredentials(t)
	t.Setenv("AWS_REGION", "eu-west-1")
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(s.URL); o.RetryMaxAttempts = 1 }), s
}

func TestVisibilityAndReceiptHandles(t *testing.T) {
	c, s := client(t)
	ctx := context.Background()
	for _, b := range []string{"a", "b", "c"} {
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	recv := func(n int32) []types.Message {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: n, VisibilityTimeout: 60})
		if err != nil {
			t.Fatal(err)
		}
		return out.Messages
	}
	first := recv(2)
	if len(first) != 2 || aws.ToString(first[0].Body) != "a" || s.InFlight() != 2 {
		t.Fatalf("first receive %d messages, %d in flight", len(first), s.InFlight())
	}
	if rest := recv(10); len(rest) != 1 || aws.ToString(rest[0].Body) != "c" {
		t.Fatalf("hidden messages were received again: %d", len(rest))
	}
	// Release "a" at once; its next receive gets a new handle, and only
	// that one deletes it.
	if _, err := c.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(q), Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
		{Id: aws.String("0"), ReceiptHandle: first[0].ReceiptHandle, VisibilityTimeout: 0},
	}}); err != nil {
		t.Fatal(err)
	}
	again := recv(10)
	if len(again) != 1 || aws.ToString(again[0].Body) != "a" || s.Received(aws.ToString(again[0].MessageId)) != 2 {
		t.Fatalf("released message not received again: %v", again)
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: first[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if len(s.Remaining()) != 3 {
		t.Fatal("a superseded receipt handle deleted the message")
	}
	out, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(q), Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("0"), ReceiptHandle: again[0].ReceiptHandle},
		{Id: aws.String("1"), ReceiptHandle: first[1].ReceiptHandle},
		{Id: aws.String("2"), ReceiptHandle: aws.String("forged")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 2 || len(out.Failed) != 1 || aws.ToString(out.Failed[0].Code) != "ReceiptHandleIsInvalid" {
		t.Fatalf("batch delete %+v", out)
	}
	if left := s.Remaining(); len(left) != 1 || left[0].Body != "c" {
		t.Fatalf("remaining %v", left)
	}
	_, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 11})
	var apiErr interface{ ErrorCode() string }
	if !errors.As(err, &apiErr) || !strings.HasSuffix(apiErr.ErrorCode(), "InvalidParameterValue") {
		t.Fatalf("11 messages: %v", err)
	}
}
