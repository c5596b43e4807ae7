package views

// SettingsView is the admin settings page: KPI settings, tier targets and
// DORA band thresholds, each a form of its own.
type SettingsView struct {
	Layout Layout
	// From is the month the page shows the values of, and its forms change
	// them from ("2026-11"); FromTitle names it ("November 2026").
	From, FromTitle string
	Fields          []SettingField
	// MinSamples are the KPIs' minimum samples, saved with Fields.
	MinSamples []SettingField
	Targets    TargetGrid
	Bands      BandGrid
	Problems   map[string]string // per form ("settings", "targets", "bands"): a summary above it
	// History lists every dated change, newest first.
	History Table
}

// SettingField is one setting with its default and any validation error.
type SettingField struct {
	Key     string
	Label   string
	Value   string
	Default string
	Help    string
	Error   string
}

// TargetGrid is the tier × KPI target table.
type TargetGrid struct {
	Tiers []string
	Rows  []TargetRow
}

// TargetRow is one KPI's targets per tier and its direction.
type TargetRow struct {
	KPI        string
	Label      string
	Unit       string
	Direction  string
	DirName    string
	DirError   string
	DirFixed   bool // the KPI's direction is fixed: shown, not chosen
	Cells      []GridCell
	DefaultDir string
}

// GridCell is one editable number of a grid.
type GridCell struct {
	Name    string
	Value   string
	Default string
	Error   string
}

// BandGrid is the DORA band threshold table.
type BandGrid struct {
	Bands []string
	Rows  []BandRow
}

// BandRow is one DORA metric's thresholds per band.
type BandRow struct {
	Metric string
	Label  string
	Test   string
	Cells  []GridCell
}
