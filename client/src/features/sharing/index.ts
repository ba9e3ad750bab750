/**
 * What other features may use of sharing (lookups at the hub): the lookup panel, which the
 * exchange pages embed to find the practitioner a filing, transfer or notice is about.
 */
export { default as LookupPanel } from "./lookup-panel.vue";
