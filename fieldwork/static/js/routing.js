// Placeholder: the optional live show/hide script for routed items comes later.
// Items with a `show_if` are wrapped in an element with `data-show-if`; without
// this script the server decides what is shown, page by page.
