package evtx

import (
	"strconv"
	"strings"
)

// column is what a named column (CSV) or property (Format-List) of an
// exported event holds.
type column uint8

const (
	cNone column = iota
	cLevel
	cTime
	cProvider
	cEventID
	cInstanceID // Get-EventLog's InstanceId: the event ID with qualifiers
	cMessage
	cChannel
	cComputer
	cRecordID
	cUser
	cProcessID
	cThreadID
	cVersion
	cTask
	cOpcode
	cKeywords
	cQualifiers
	cProviderGUID
	cActivityID
)

// columnNames maps the column names of Event Viewer's CSV and
// tab-delimited exports (English and Japanese UI) and the property names
// of PowerShell's Get-WinEvent and Get-EventLog objects (never localized),
// lower-cased, to what they hold.
var columnNames = map[string]column{
	// Event Viewer "Save All Events As" CSV / text (tab delimited).
	"level": cLevel, "date and time": cTime, "source": cProvider, "event id": cEventID,
	"description": cMessage, "log name": cChannel, "computer": cComputer, "user": cUser,
	"レベル": cLevel, "日付と時刻": cTime, "ソース": cProvider, "イベント id": cEventID, "説明": cMessage,
	"ログの名前": cChannel, "コンピューター": cComputer, "ユーザー": cUser,
	// Get-WinEvent (EventLogRecord).
	"message": cMessage, "id": cEventID, "version": cVersion, "qualifiers": cQualifiers,
	"task": cTask, "opcode": cOpcode, "keywords": cKeywords, "recordid": cRecordID,
	"providername": cProvider, "providerid": cProviderGUID, "logname": cChannel,
	"processid": cProcessID, "threadid": cThreadID, "machinename": cComputer, "userid": cUser,
	"timecreated": cTime, "activityid": cActivityID, "leveldisplayname": cLevel,
	// Get-EventLog (EventLogEntry).
	"eventid": cEventID, "instanceid": cInstanceID, "index": cRecordID, "entrytype": cLevel,
	"timegenerated": cTime, "username": cUser,
}

// lookupColumn returns what the column or property named name holds.
func lookupColumn(name string) column {
	name = strings.ToLower(strings.TrimSpace(strings.Trim(strings.TrimSpace(name), `"`)))
	return columnNames[name]
}

// setColumn stores the value of one column in ev. A level may be a name
// (English or Japanese) or a number; a later numeric level is not
// overwritten by a display name.
func setColumn(ev *Event, c column, v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	num := func() uint64 {
		n, _ := parseUint([]byte(v))
		return n
	}
	switch c {
	case cLevel:
		if l := levelByName(v); l != 0 && ev.Level == 0 {
			ev.Level = l
		}
	case cTime:
		ev.Time = parseLocalTime(v)
	case cProvider:
		ev.Provider = v
	case cEventID:
		ev.EventID = uint32(num())
	case cInstanceID:
		if ev.EventID == 0 {
			ev.EventID = uint32(num() & 0xffff)
		}
	case cMessage:
		ev.Message = v
	case cChannel:
		ev.Channel = v
	case cComputer:
		ev.Computer = v
	case cRecordID:
		ev.RecordID = num()
	case cUser:
		ev.UserID = v
	case cProcessID:
		ev.ProcessID = uint32(num())
	case cThreadID:
		ev.ThreadID = uint32(num())
	case cVersion:
		ev.Version = uint8(num())
	case cTask:
		ev.Task = uint16(num())
	case cOpcode:
		ev.Opcode = uint8(num())
	case cKeywords:
		// Event Viewer's Security log puts "Audit Success" here; only a
		// number is the keyword mask.
		if n, ok := parseUint([]byte(v)); ok {
			ev.Keywords = n
		}
	case cQualifiers:
		if n, err := strconv.ParseUint(v, 10, 16); err == nil {
			ev.Qualifiers, ev.HasQualifiers = uint16(n), true
		}
	case cProviderGUID:
		ev.ProviderGUID = braceGUID(v)
	case cActivityID:
		ev.ActivityID = braceGUID(v)
	}
}

// braceGUID writes a GUID as the binary reader does: upper case, braced.
func braceGUID(s string) string {
	s = strings.Trim(s, "{}")
	if len(s) != 36 {
		return ""
	}
	return "{" + strings.ToUpper(s) + "}"
}
