import { createApp } from "vue";
import { createPinia } from "pinia";
import "element-plus/dist/index.css";
import "@/shared/theme.css";
import { useChineseValidationMessages } from "@contracts/validation.js";
import App from "./App.vue";
import { createAppRouter } from "./app/router.js";
import { useNodeInfoStore } from "./shared/node-info.store.js";
import { useDisplayStore } from "./shared/display.store.js";

// Forms that parse with the shared contracts show zod's zh-CN messages, as the server does.
useChineseValidationMessages();
const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
const router = createAppRouter();
app.use(router);
void useNodeInfoStore().load();
useDisplayStore();
void router.isReady().then(() => app.mount("#app"));
