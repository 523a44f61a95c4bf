// Job progress without reloading: poll the job's JSON and update the bar and status line,
// then reload the page when the job has finished. Without JavaScript a refresh link does it.
const boxes = document.querySelectorAll("[data-job-status]");
const number = (n) => n.toLocaleString("en-GB");

function show(box, job) {
  const bar = box.querySelector("progress");
  if (job.percent !== null) bar.value = job.percent;
  box.querySelector("[data-job-state]").textContent = job.state_name;
  let count = `: ${number(job.done)}`;
  if (job.total !== null) count += ` of ${number(job.total)}`;
  if (job.percent !== null) count += ` (${job.percent}%)`;
  box.querySelector("[data-job-count]").textContent = job.state === "queued" ? "" : count;
  box.querySelector("[data-job-message]").textContent = job.message;
}

for (const box of boxes) {
  if (box.dataset.jobFinished === "true") continue;
  const poll = async () => {
    try {
      const reply = await fetch(box.dataset.jobStatus, { headers: { Accept: "application/json" } });
      if (!reply.ok) return setTimeout(poll, 5000);
      const job = await reply.json();
      show(box, job);
      if (job.finished) return window.location.reload();
    } catch (error) {
      return setTimeout(poll, 5000);
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 1000);
}
