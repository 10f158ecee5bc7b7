// Runs before the first paint so that 长辈模式 (large text) never flashes small text.
if (localStorage.getItem("m.big") === "1") document.documentElement.classList.add("big");
