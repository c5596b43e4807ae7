// Package views holds sreport's templ components and the typed view models
// they render. Views never touch the store: handlers in web build the models.
package views

// Nav names the main navigation sections.
type Nav string

// Navigation sections.
const (
	NavScorecards Nav = "scorecards"
	NavServices   Nav = "services"
	NavSLOs       Nav = "slos"
	NavIncidents  Nav = "incidents"
	NavDeploys    Nav = "deploys"
	NavPages      Nav = "pages"
	NavNoise      Nav = "noise"
	NavOnCall     Nav = "oncall"
	NavTrends     Nav = "trends"
	NavRisks      Nav = "risks"
	NavRoadmap    Nav = "roadmap"
	NavReports    Nav = "reports"
	NavImports    Nav = "imports"
	NavSettings   Nav = "settings"
	NavAdmin      Nav = "admin"
	NavAccount    Nav = "account"

	// Groups of the main navigation: never a page's section, only the
	// menus that hold them.
	NavGroupOperations Nav = "operations"
	NavGroupProgram    Nav = "program-group"
)

// NavItem is one entry of the main navigation: a link, or a group (a
// disclosure menu) when it has Children; a group has no Href of its own.
type NavItem struct {
	Key      Nav
	Label    string
	Href     string
	Children []NavItem
}

// Holds reports whether the page in section active is this entry or, for
// a group, one of its links, so the group can show where the reader is.
func (n NavItem) Holds(active Nav) bool {
	if len(n.Children) == 0 {
		return n.Key == active
	}
	for _, c := range n.Children {
		if c.Key == active {
			return true
		}
	}
	return false
}

// PeriodPicker is the month/quarter selector kept in the URL.
type PeriodPicker struct {
	Label      string // "October 2026" or "2026 Q3"
	Value      string // "2026-10"
	PrevHref   string
	NextHref   string
	ToggleHref string // switches month ↔ quarter
	ToggleText string
	IsQuarter  bool
}

// User is the signed-in user as the layout shows it.
type User struct {
	Email string
	Role  string
}

// Layout is what every page's frame needs.
type Layout struct {
	Title   string
	Active  Nav
	Nav     []NavItem
	Period  *PeriodPicker // nil hides the picker
	User    *User
	CSRF    string
	Flash   string
	Version string
	// Charts loads the chart library before the page's chart scripts run.
	Charts bool
	// Stale, when set, says the page's figures are from before the latest
	// change to the data and are being recomputed.
	Stale *StaleNotice
}

// StaleNotice labels a page whose figures were computed before the latest
// change to the data while the updated ones are computed.
type StaleNotice struct {
	// ComputedAt is when the shown figures' computation started ("19:52:03 UTC").
	ComputedAt string
	// ReloadHref is the page itself.
	ReloadHref string
}

// Link is an anchor with text.
type Link struct {
	Text string
	Href string
}

// Option is one choice of a select element.
type Option struct {
	Value    string
	Text     string
	Selected bool
}

// Column is a sortable table header.
type Column struct {
	Label   string
	Href    string // empty = not sortable
	Sorted  string // "", "asc", "desc"
	Numeric bool
}

// Pager links a keyset-paginated list.
type Pager struct {
	FirstHref string // empty on the first page
	NextHref  string // empty on the last page
	Shown     int
}
