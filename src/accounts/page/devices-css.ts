/** The look of the device management page. */
export const devicesCss = `
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1b1b1f; background: #f6f6f8; }
header { display: flex; align-items: center; gap: 1rem; padding: .75rem 1.5rem; background: #20123a; color: #fff; }
header h1 { font-size: 1.25rem; margin: 0; flex: 0 0 auto; }
header #who { flex: 1 1 auto; opacity: .85; }
main { max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem; }
form, section { background: #fff; border-radius: .5rem; padding: 1rem 1.5rem; box-shadow: 0 1px 3px #0002; }
label { display: block; margin: .5rem 0; }
input { font: inherit; padding: .35rem .5rem; border: 1px solid #8f8f9d; border-radius: .25rem; width: 100%; box-sizing: border-box; }
button { font: inherit; padding: .35rem .9rem; border-radius: .25rem; border: 1px solid #592acb; background: #592acb; color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: #592acb; }
button.danger { background: #fff; color: #c50042; border-color: #c50042; }
ul { list-style: none; padding: 0; margin: 0; }
li.device { display: grid; grid-template-columns: 1fr auto; gap: .25rem 1rem; padding: .75rem 0; border-top: 1px solid #e0e0e6; }
li.device:first-child { border-top: 0; }
.device-name { font-weight: 600; }
li.email { display: grid; grid-template-columns: 1fr auto; gap: .25rem 1rem; padding: .75rem 0; border-top: 1px solid #e0e0e6; }
li.email:first-child { border-top: 0; }
.email-address { font-weight: 600; }
.device-meta { color: #5b5b66; font-size: .9rem; }
.badge { display: inline-block; font-size: .75rem; padding: 0 .4rem; border-radius: .6rem; margin-left: .4rem; background: #e0e0e6; color: #1b1b1f; }
.badge.warn { background: #ffe8a3; }
.actions { display: flex; gap: .5rem; align-items: start; }
.rename-form { display: flex; gap: .5rem; grid-column: 1 / -1; }
#status { min-height: 1.5em; }
#status.error { color: #c50042; }
`;
