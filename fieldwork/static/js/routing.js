// Live routing: show and hide routed items as the respondent answers on the same page.
//
// Optional: without this script a page shows every item an answer on it might call for,
// and the server decides what applies when the page is saved. With it, each
// `.fw-routed` wrapper that carries `data-show-if-json` (the rule as a tree, see
// forms/expression_json.py), `data-fields` (how to read the page's answers the rule
// names) and `data-answers` (earlier pages' answers it names) is hidden while its rule
// is not met. The evaluator follows forms/evaluate.py: no value makes comparisons and
// `in` false, arithmetic has no value, aggregates skip it, logic reads it as false;
// a user-missing code (say 98, Don't know) compares as its code but is not a number.
// Hidden items get the `hidden` attribute, so they leave the accessibility tree too.

/** A date answer, compared by its ISO text (yyyy-mm-dd). */
export class Day {
  constructor(iso) {
    this.iso = iso;
  }
}

/** A user-missing code: an answer, but not a number and not true. */
export class Missing {
  constructor(code) {
    this.code = code;
  }
}

const ISO_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const INTEGER = /^[+-]?[0-9]+$/;
const DECIMAL = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/;
const DIGITS = /^[0-9]+$/;
const ORDER = {
  "==": (a, b) => a === b,
  "!=": (a, b) => a !== b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};
const ARITHMETIC = {
  "+": (a, b) => a + b,
  "-": (a, b) => a - b,
  "*": (a, b) => a * b,
  "/": (a, b) => a / b,
};

const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
const isNumber = (value) => typeof value === "number" && Number.isFinite(value);
const isGrid = (value) =>
  value !== null &&
  typeof value === "object" &&
  !Array.isArray(value) &&
  !(value instanceof Day) &&
  !(value instanceof Missing);

/** A real calendar date (years 1 to 9999), or null. */
export function makeDay(year, month, day) {
  if (!(year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1)) return null;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (day > days) return null;
  const pad = (n, width) => String(n).padStart(width, "0");
  return new Day(`${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`);
}

function dayFromIso(text) {
  if (typeof text !== "string" || !ISO_DATE.test(text)) return null;
  const [year, month, day] = text.split("-").map(Number);
  return makeDay(year, month, day);
}

/** Whether a value counts as true: no value and user-missing codes are false. */
export function truthy(value) {
  if (value === null || value === undefined || value instanceof Missing) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Day) return true;
  if (isGrid(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

function scalar(value) {
  if (isNumber(value) || value instanceof Day) return value;
  if (typeof value === "string") return value.trim() ? value : null;
  return null;
}

function normalise(value) {
  if (isGrid(value)) return value;
  if (Array.isArray(value)) {
    const ticked = value.map(scalar).filter((code) => code !== null);
    return ticked.length ? ticked : null;
  }
  return scalar(value);
}

const unwrap = (value) => (value instanceof Missing ? value.code : value);
const number = (value) => (isNumber(value) ? value : null);

function hasValue(value) {
  if (isGrid(value)) return Object.values(value).some((row) => normalise(row) !== null);
  return value !== null && value !== undefined && !(value instanceof Missing);
}

function asDate(value, other) {
  return typeof value === "string" && other instanceof Day && ISO_DATE.test(value)
    ? dayFromIso(value)
    : value;
}

/** `left op right`; false when either has no value or their types do not match. */
export function compare(op, left, right) {
  left = unwrap(left);
  right = unwrap(right);
  if (left === null || left === undefined || right === null || right === undefined) return false;
  if (isNumber(left) && isNumber(right)) return ORDER[op](left, right);
  if (typeof left === "string" && typeof right === "string") return ORDER[op](left, right);
  left = asDate(left, right);
  right = asDate(right, left);
  if (left instanceof Day && right instanceof Day) return ORDER[op](left.iso, right.iso);
  return false;
}

/** `left op right` for + - * /: no value unless both are numbers (and no division by 0). */
export function arithmetic(op, left, right) {
  const a = number(left);
  const b = number(right);
  if (a === null || b === null || (op === "/" && b === 0)) return null;
  let result = ARITHMETIC[op](a, b);
  if (!Number.isFinite(result)) return null;
  if (!(Number.isInteger(a) && Number.isInteger(b) && op !== "/")) {
    result = Number(result.toPrecision(15)); // 0.1 + 0.2 is 0.3, as with Python's Decimal
  }
  return result;
}

function numbers(values) {
  return values.map(number).filter((n) => n !== null);
}

function sum(values) {
  let result = null;
  for (const value of numbers(values)) {
    result = result === null ? value : arithmetic("+", result, value);
  }
  return result;
}

const AGGREGATES = {
  count: (values) => values.filter(hasValue).length,
  sum,
  mean: (values) => arithmetic("/", sum(values), numbers(values).length),
  min: (values) => (numbers(values).length ? Math.min(...numbers(values)) : null),
  max: (values) => (numbers(values).length ? Math.max(...numbers(values)) : null),
};

function lookup(ref, codes, answers) {
  const dot = ref.indexOf(".");
  const item = dot < 0 ? ref : ref.slice(0, dot);
  const row = dot < 0 ? "" : ref.slice(dot + 1);
  let value = hasOwn(answers, item) ? answers[item] : null;
  if (row) value = isGrid(value) && hasOwn(value, row) ? value[row] : null;
  value = normalise(value);
  if (Number.isInteger(value) && codes && codes.includes(value)) return new Missing(value);
  return value;
}

function contains(op, needle, haystack) {
  if (!Array.isArray(haystack) || unwrap(needle) === null) return false;
  const found = haystack.some((code) => compare("==", needle, code));
  return op === "in" ? found : !found;
}

function call(node, answers) {
  const [, fn, ...args] = node;
  if (fn === "if") {
    const [condition, whenTrue, whenFalse] = args;
    return value(truthy(value(condition, answers)) ? whenTrue : whenFalse, answers);
  }
  const values = args.map((arg) => value(arg, answers));
  if (fn === "answered") return values[0] instanceof Missing || hasValue(values[0]);
  return AGGREGATES[fn](values);
}

/** The value of a JSON tree for `answers` (user-missing codes come back wrapped). */
export function value(node, answers) {
  const [tag, ...rest] = node;
  switch (tag) {
    case "int":
    case "str":
      return rest[0];
    case "dec":
      return Number(rest[0]);
    case "name":
      return lookup(rest[0], rest[1], answers);
    case "self":
      return null; // only constraints use `.`; a show_if never does
    case "list":
      return rest.map((item) => value(item, answers));
    case "not":
      return !truthy(value(rest[0], answers));
    case "neg":
      return arithmetic("-", 0, value(rest[0], answers));
    case "and":
      return truthy(value(rest[0], answers)) && truthy(value(rest[1], answers));
    case "or":
      return truthy(value(rest[0], answers)) || truthy(value(rest[1], answers));
    case "call":
      return call(node, answers);
    default:
      break;
  }
  const left = value(rest[0], answers);
  const right = value(rest[1], answers);
  if (tag === "in" || tag === "not in") return contains(tag, left, right);
  if (hasOwn(ORDER, tag)) return compare(tag, left, right);
  if (hasOwn(ARITHMETIC, tag)) return arithmetic(tag, left, right);
  throw new Error(`unknown expression node: ${tag}`);
}

/** Answers from JSON: `{"$date": "2024-03-15"}` becomes a Day. */
export function parseAnswers(text) {
  return JSON.parse(text, (key, item) =>
    isGrid(item) && Object.keys(item).length === 1 && hasOwn(item, "$date")
      ? dayFromIso(item.$date)
      : item,
  );
}

// --- reading the page's inputs as the server reads the posted form (forms/web_fields.py) ---

const clean = (raw) => String(raw ?? "").normalize("NFKC").trim();

function code(raw) {
  const text = clean(raw);
  return INTEGER.test(text) ? Number(text) : null;
}

function ticked(form, name) {
  const inputs = form.querySelectorAll(`input[name="${CSS.escape(name)}"]`);
  return [...inputs].filter((input) => input.checked).map((input) => input.value);
}

function typed(form, name) {
  const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
  return input ? input.value : "";
}

function readGrid(form, id, rows) {
  const answer = {};
  for (const row of rows) {
    const chosen = code(ticked(form, `${id}_${row}`)[0]);
    if (chosen !== null) answer[row] = chosen;
  }
  return Object.keys(answer).length ? answer : null;
}

function readDate(form, id) {
  const [day, month, year] = ["day", "month", "year"].map((part) => clean(typed(form, `${id}-${part}`)));
  if (![day, month, year].every((part) => DIGITS.test(part)) || year.length !== 4) return null;
  return makeDay(Number(year), Number(month), Number(day));
}

function readField(form, id, field) {
  switch (field.type) {
    case "single":
      return code(ticked(form, id)[0]);
    case "multiple": {
      const codes = ticked(form, id).map(code);
      return codes.length && !codes.includes(null) ? codes : null;
    }
    case "grid":
      return readGrid(form, id, field.rows || []);
    case "integer": {
      const text = clean(typed(form, id));
      return INTEGER.test(text) ? Number(text) : null;
    }
    case "decimal": {
      const text = clean(typed(form, id));
      return DECIMAL.test(text) ? Number(text) : null;
    }
    case "date":
      return readDate(form, id);
    case "text":
    case "textarea":
      return typed(form, id).replace(/\r\n/g, "\n").trim() || null;
    default:
      return null;
  }
}

// An item hidden by its own rule: what is typed into it does not count for later rules,
// as on the server (forms/routing.py). Ids are [a-z][a-z0-9_]*, safe in a selector.
function routedOut(form, id) {
  const input = form.querySelector(`[name="${id}"], [name^="${id}_"], [name^="${id}-"]`);
  const wrapper = input ? input.closest(".fw-routed") : null;
  return Boolean(wrapper && wrapper.hidden);
}

function shows(rule) {
  const answers = { ...rule.before };
  for (const [id, field] of Object.entries(rule.fields)) {
    answers[id] = routedOut(rule.form, id) ? null : readField(rule.form, id, field);
  }
  try {
    return truthy(value(rule.tree, answers));
  } catch (error) {
    return true; // a rule this script cannot read: show the item, as without JavaScript
  }
}

function readRule(wrapper) {
  const form = wrapper.closest("form");
  if (!form) return null;
  try {
    return {
      wrapper,
      form,
      tree: JSON.parse(wrapper.dataset.showIfJson),
      fields: JSON.parse(wrapper.dataset.fields || "{}"),
      before: parseAnswers(wrapper.dataset.answers || "{}"),
    };
  } catch (error) {
    return null;
  }
}

/** Hide routed items whose rule is not met now, and again after every answer. */
export function init(root = document) {
  const rules = [...root.querySelectorAll(".fw-routed[data-show-if-json]")]
    .map(readRule)
    .filter(Boolean);
  // In document order, so an item's rule sees the items before it already settled.
  const update = () => {
    for (const rule of rules) rule.wrapper.hidden = !shows(rule);
  };
  for (const form of new Set(rules.map((rule) => rule.form))) {
    form.addEventListener("input", update);
    form.addEventListener("change", update);
  }
  update();
}

if (typeof document !== "undefined") init(document);
