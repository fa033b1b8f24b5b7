/**
 * Validates a Kubernetes CronJob schedule: five fields (minute hour day-of-month month day-of-week)
 * or one of the @-macros the CronJob controller accepts. Returns a description of the first problem,
 * or undefined when the schedule is valid.
 */

const MACROS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
  namesStartAt?: number;
  allowQuestionMark?: boolean;
}

const FIELDS: Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31, allowQuestionMark: true },
  { name: "month", min: 1, max: 12, names: MONTHS, namesStartAt: 1 },
  { name: "day of week", min: 0, max: 6, names: DAYS, namesStartAt: 0, allowQuestionMark: true },
];

function parseValue(text: string, field: Field): number | undefined {
  if (/^[0-9]+$/.test(text)) return Number(text);
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  return index >= 0 ? index + (field.namesStartAt ?? 0) : undefined;
}

function checkField(text: string, field: Field): string | undefined {
  if (field.allowQuestionMark && text === "?") return undefined;
  for (const part of text.split(",")) {
    const [range, step, ...extra] = part.split("/");
    if (extra.length > 0 || range === "") return `${field.name} "${text}" is not valid cron syntax`;
    if (step !== undefined && !/^[1-9][0-9]*$/.test(step)) return `${field.name} step "/${step}" must be a positive number`;
    if (range === "*") continue;
    const bounds = range.split("-");
    if (bounds.length > 2) return `${field.name} "${part}" is not valid cron syntax`;
    const values = bounds.map((b) => parseValue(b, field));
    for (const [i, v] of values.entries()) {
      if (v === undefined || v < field.min || v > field.max) {
        return `${field.name} "${bounds[i]}" is outside ${field.min}-${field.max}`;
      }
    }
    if (values.length === 2 && (values[0] as number) > (values[1] as number)) return `${field.name} range "${range}" runs backwards`;
  }
  return undefined;
}

export function cronProblem(schedule: string): string | undefined {
  const trimmed = schedule.trim();
  if (trimmed.startsWith("@")) {
    return MACROS.has(trimmed) ? undefined : `"${trimmed}" is not a known macro (${[...MACROS].join(", ")})`;
  }
  if (/^(CRON_)?TZ=/.test(trimmed)) return "time zones in the schedule are not supported; schedules run in UTC";
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5) return `has ${parts.length} field(s); a schedule has 5: minute hour day-of-month month day-of-week`;
  for (const [i, part] of parts.entries()) {
    const problem = checkField(part, FIELDS[i]);
    if (problem) return problem;
  }
  if (runCount(trimmed) < 2) return "never runs (no such date, e.g. February 30)";
  return undefined;
}

const MACRO_SCHEDULES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

function fieldValues(text: string, field: Field): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [range, step] = part.split("/");
    const stepBy = step === undefined ? 1 : Number(step);
    let [low, high] = [field.min, field.max];
    if (range !== "*" && range !== "?") {
      const bounds = range.split("-").map((b) => parseValue(b, field) as number);
      low = bounds[0];
      high = bounds.length === 2 ? bounds[1] : step === undefined ? bounds[0] : field.max;
    }
    for (let v = low; v <= high; v += stepBy) values.add(v);
  }
  return values;
}

/**
 * When a syntactically valid schedule runs over eight years from 2024 (two leap days): the days it runs on (as
 * days since 2024-01-01 UTC, ascending) and its run times within each such day (minutes after midnight, ascending;
 * the same every day). Cached: every stack with the same schedule asks again.
 */
interface RunDays {
  days: number[];
  minutesOfDay: number[];
}

const runDaysCache = new Map<string, RunDays>();

function runDays(schedule: string): RunDays {
  const expression = MACRO_SCHEDULES[schedule.trim()] ?? schedule.trim();
  const cached = runDaysCache.get(expression);
  if (cached) return cached;
  const [minutes, hours, days, months, weekdays] = expression.split(/\s+/).map((part, i) => ({ part, values: fieldValues(part, FIELDS[i]) }));
  const restrictedDay = days.part !== "*" && days.part !== "?";
  const restrictedWeekday = weekdays.part !== "*" && weekdays.part !== "?";
  const dayMatches = (date: Date) => {
    const byDay = days.values.has(date.getUTCDate());
    const byWeekday = weekdays.values.has(date.getUTCDay());
    // Standard cron: when both are restricted, either matches.
    if (restrictedDay && restrictedWeekday) return byDay || byWeekday;
    return (restrictedDay ? byDay : true) && (restrictedWeekday ? byWeekday : true);
  };
  const start = Date.UTC(2024, 0, 1);
  const result: RunDays = { days: [], minutesOfDay: [] };
  for (const hour of [...hours.values].sort((a, b) => a - b)) {
    for (const minute of [...minutes.values].sort((a, b) => a - b)) result.minutesOfDay.push(hour * 60 + minute);
  }
  for (let day = 0; day < 8 * 366; day++) {
    const date = new Date(start + day * 86_400_000);
    if (months.values.has(date.getUTCMonth() + 1) && dayMatches(date)) result.days.push(day);
  }
  runDaysCache.set(expression, result);
  return result;
}

/** How many times a syntactically valid schedule runs in those eight years. */
function runCount(schedule: string): number {
  const { days, minutesOfDay } = runDays(schedule);
  return days.length * minutesOfDay.length;
}

/**
 * The longest time between two runs of a valid schedule, in seconds (over eight years, so monthly, yearly and
 * leap-day schedules are measured too). Used to alert when a backup is overdue.
 */
export function longestIntervalSeconds(schedule: string): number {
  const { days, minutesOfDay } = runDays(schedule);
  if (days.length === 0) return 0;
  let longestMinutes = 0;
  // Within a day, then from a day's last run to the next run day's first.
  for (let i = 1; i < minutesOfDay.length; i++) longestMinutes = Math.max(longestMinutes, minutesOfDay[i] - minutesOfDay[i - 1]);
  const [first, last] = [minutesOfDay[0], minutesOfDay[minutesOfDay.length - 1]];
  for (let i = 1; i < days.length; i++) longestMinutes = Math.max(longestMinutes, (days[i] - days[i - 1]) * 1440 + first - last);
  return longestMinutes * 60;
}
