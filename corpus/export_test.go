package corpus

// CauseLabels exposes the scenario cause labels to the external tests.
var CauseLabels = causeIDs
