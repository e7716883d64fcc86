package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +k8s:conversion-gen:explicit-from=net/url.Values

// OrganizationUsageOptions are the query parameters of GET
// organizations/{name}/usage.
type OrganizationUsageOptions struct {
	metav1.TypeMeta `json:",inline"`
	// Window is how far back the answer looks from now: whole days ("7d")
	// or a duration ("36h"). Defaults to 30d; at most the records'
	// retention.
	// +optional
	Window string `json:"window,omitempty" protobuf:"bytes,1,opt,name=window"`
	// Aggregate groups the usage: environment (the default), service,
	// creator (the owner label, else the creator) or label:<key>.
	// +optional
	Aggregate string `json:"aggregate,omitempty" protobuf:"bytes,2,opt,name=aggregate"`
	// Step, when set, adds a series of the window cut into steps of this
	// length ("1d", "1h"); at most 1000 steps.
	// +optional
	Step string `json:"step,omitempty" protobuf:"bytes,3,opt,name=step"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OrganizationUsage is the answer of GET organizations/{name}/usage: what the
// organization's environments held in the window and what it cost, a
// forecast, and what was and could be saved. Amounts are decimal strings in
// Pricing.Currency; resource-hours are requests × hours run.
type OrganizationUsage struct {
	metav1.TypeMeta `json:",inline"`
	// metadata.name is the organization's.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Start and End bound the window.
	Start metav1.Time `json:"start" protobuf:"bytes,2,opt,name=start"`
	End   metav1.Time `json:"end" protobuf:"bytes,3,opt,name=end"`
	// Aggregate is the grouping of Groups.
	Aggregate string `json:"aggregate" protobuf:"bytes,4,opt,name=aggregate"`
	// Pricing is the price sheet the costs were computed with, defaults
	// filled in.
	Pricing PriceSheet `json:"pricing" protobuf:"bytes,5,opt,name=pricing"`
	// Total is the whole organization's usage in the window.
	Total UsageGroup `json:"total" protobuf:"bytes,6,opt,name=total"`
	// Groups are the usage by Aggregate, most costly first.
	// +optional
	// +listType=atomic
	Groups []UsageGroup `json:"groups,omitempty" protobuf:"bytes,7,rep,name=groups"`
	// Series is the window in steps, when step is asked for.
	// +optional
	// +listType=atomic
	Series []UsagePoint `json:"series,omitempty" protobuf:"bytes,8,rep,name=series"`
	// Forecast is what the rest of the month and the next 30 days cost.
	Forecast UsageForecast `json:"forecast" protobuf:"bytes,9,opt,name=forecast"`
	// Savings are what stops and overlays saved and what could be saved.
	Savings UsageSavings `json:"savings" protobuf:"bytes,10,opt,name=savings"`
}

// UsageGroup is the usage and cost of one group.
type UsageGroup struct {
	// Key is the group's environment, environment/service, owner or label
	// value ("" for environments without the label); empty for the total.
	// +optional
	Key string `json:"key,omitempty" protobuf:"bytes,1,opt,name=key"`
	// Usage is the resource-hours.
	Usage ResourceUsage `json:"usage" protobuf:"bytes,2,opt,name=usage"`
	// Cost is their price.
	Cost string `json:"cost" protobuf:"bytes,3,opt,name=cost"`
}

// UsagePoint is one step of a series.
type UsagePoint struct {
	// Start is the step's start; it lasts step (the last may be shorter).
	Start metav1.Time `json:"start" protobuf:"bytes,1,opt,name=start"`
	// Usage is the resource-hours in the step.
	Usage ResourceUsage `json:"usage" protobuf:"bytes,2,opt,name=usage"`
	// Cost is their price.
	Cost string `json:"cost" protobuf:"bytes,3,opt,name=cost"`
}

// UsageForecast is the cost to come, two ways.
type UsageForecast struct {
	// RunRate assumes what runs now keeps running, each environment until
	// its idle timeout or time-to-live ends it, and nothing else starts.
	RunRate ForecastFigures `json:"runRate" protobuf:"bytes,1,opt,name=runRate"`
	// Trend is Holt's linear trend fitted to the daily cost history, with a
	// 90% prediction interval; unset with too little history (Message says).
	// +optional
	Trend *TrendForecast `json:"trend,omitempty" protobuf:"bytes,2,opt,name=trend"`
	// Message says why there is no trend forecast.
	// +optional
	Message string `json:"message,omitempty" protobuf:"bytes,3,opt,name=message"`
}

// ForecastFigures are costs to come.
type ForecastFigures struct {
	// RestOfMonth is from now to the end of the UTC month.
	RestOfMonth CostRange `json:"restOfMonth" protobuf:"bytes,1,opt,name=restOfMonth"`
	// Next30Days is from now to 30 days from now.
	Next30Days CostRange `json:"next30Days" protobuf:"bytes,2,opt,name=next30Days"`
}

// CostRange is an expected cost and, for a model's forecast, its interval.
type CostRange struct {
	Expected string `json:"expected" protobuf:"bytes,1,opt,name=expected"`
	// +optional
	Low string `json:"low,omitempty" protobuf:"bytes,2,opt,name=low"`
	// +optional
	High string `json:"high,omitempty" protobuf:"bytes,3,opt,name=high"`
}

// TrendForecast is a model's forecast from the daily history.
type TrendForecast struct {
	ForecastFigures `json:",inline" protobuf:"bytes,1,opt,name=forecastFigures"`
	// Model names the method and its fitted parameters.
	Model string `json:"model" protobuf:"bytes,2,opt,name=model"`
	// HistoryDays is how many whole days of history it was fitted to.
	HistoryDays int32 `json:"historyDays" protobuf:"varint,3,opt,name=historyDays"`
	// BackTest is the model fitted without the last days of history and
	// compared with them; unset with too little history.
	// +optional
	BackTest *ForecastBackTest `json:"backTest,omitempty" protobuf:"bytes,4,opt,name=backTest"`
}

// ForecastBackTest is how well the model forecast days it was not shown.
type ForecastBackTest struct {
	// Days held out.
	Days int32 `json:"days" protobuf:"varint,1,opt,name=days"`
	// MeanAbsoluteError of the daily forecasts, in the currency.
	MeanAbsoluteError string `json:"meanAbsoluteError" protobuf:"bytes,2,opt,name=meanAbsoluteError"`
	// MeanAbsolutePercentageError over the days that cost anything, in
	// percent.
	MeanAbsolutePercentageError string `json:"meanAbsolutePercentageError" protobuf:"bytes,3,opt,name=meanAbsolutePercentageError"`
	// Coverage is the share of held-out days inside the interval, 0 to 1.
	Coverage string `json:"coverage" protobuf:"bytes,4,opt,name=coverage"`
}

// UsageSavings are costs avoided and avoidable.
type UsageSavings struct {
	// Stops is what the window would have cost more had every environment
	// run from its creation (or the window's start) to its deletion (or
	// now) without stopping: stops and auto-shutdown's saving.
	Stops string `json:"stops" protobuf:"bytes,1,opt,name=stops"`
	// Overlays is what overlays would have cost more in the window as full
	// copies: their baseline's services they share, for as long as they ran.
	Overlays string `json:"overlays" protobuf:"bytes,2,opt,name=overlays"`
	// Recommendations are changes that would save more.
	// +optional
	// +listType=atomic
	Recommendations []SavingsRecommendation `json:"recommendations,omitempty" protobuf:"bytes,3,rep,name=recommendations"`
}

// SavingsRecommendation is one change that would save.
type SavingsRecommendation struct {
	// Environment it concerns.
	Environment string `json:"environment" protobuf:"bytes,1,opt,name=environment"`
	// Reason is a CamelCase code: IdleWithoutAutoShutdown.
	Reason string `json:"reason" protobuf:"bytes,2,opt,name=reason"`
	// Message says what to do and why.
	Message string `json:"message" protobuf:"bytes,3,opt,name=message"`
	// Next30Days is what following it would save over the next 30 days.
	Next30Days string `json:"next30Days" protobuf:"bytes,4,opt,name=next30Days"`
}
